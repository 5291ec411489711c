using LmuSharp.Cli.Output;
using Spectre.Console;

namespace LmuSharp.Cli.Commands;

/// <summary>
/// `lmu curve`: the learning curve of runs that continue one another (a curriculum whose legs warm-start from the
/// previous leg): each run's validation metric per epoch against the training time of all runs so far (hours, or
/// minutes when they took under two hours), one line per run with a marker per epoch, as a PNG. Reads each run directory's metrics.jsonl.
/// </summary>
static class CurveCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("runs") { Description = "Run directories, in the order they were trained.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "The PNG to write.", Required = true };
        var title = new Option<string>("--title") { Description = "Chart title.", DefaultValueFactory = _ => "learning curve" };
        var command = new Command("curve", "Plot the validation metric of consecutive runs (e.g. curriculum legs) against cumulative training time.") { runs, output, title };
        command.SetAction(parse => Execute(parse.GetValue(runs)!, parse.GetValue(output)!, parse.GetValue(title)!));
        return command;
    }

    static int Execute(string[] runs, string output, string title)
    {
        var histories = runs.Select(run => (Run: run, History: Read(run))).ToArray();
        double total = histories.Sum(r => r.History[^1].Seconds);
        // Hours, or minutes for a curriculum shorter than two hours.
        var (unit, seconds) = total < 7200 ? ("min", 60.0) : ("h", 3600.0);
        var series = new List<(string Name, double[] X, double[] Y)>();
        double offset = 0;
        foreach (var (run, history) in histories)
        {
            series.Add((Path.GetFileName(Path.TrimEndingDirectorySeparator(run)), [.. history.Select(h => (offset + h.Seconds) / seconds)], [.. history.Select(h => h.Validation)]));
            offset += history[^1].Seconds;
            AnsiConsole.MarkupLine($"{Markup.Escape(run)}: {history.Count} epochs, {history[^1].Seconds / seconds:F2} {unit}, last validation {history[^1].Validation:F4}");
        }
        Charts.Lines(output, title, unit == "h" ? "training hours (cumulative)" : "training minutes (cumulative)", "validation metric", series, markers: true);
        AnsiConsole.MarkupLine($"Wrote {Markup.Escape(output)} ({total / seconds:F2} {unit} in all).");
        return 0;
    }

    /// <summary>The epochs of a run's metrics.jsonl; a <see cref="UserError"/> naming the file when it is missing, empty or not metrics.</summary>
    static List<EpochMetrics> Read(string run)
    {
        var path = Path.Combine(run, "metrics.jsonl");
        if (!File.Exists(path)) throw new UserError($"curve: '{path}' not found; give run directories written by `lmu train`.");
        var history = new List<EpochMetrics>();
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            try { history.Add(JsonSerializer.Deserialize<EpochMetrics>(text, JsonOptions.Compact)!); }
            catch (JsonException e) { throw new UserError($"curve: '{path}' line {line} is not an epoch's metrics: {e.Message}"); }
        }
        if (history.Count == 0) throw new UserError($"curve: '{path}' has no epochs yet.");
        return history;
    }
}
