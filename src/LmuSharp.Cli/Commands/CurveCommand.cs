using LmuSharp.Cli.Output;
using Spectre.Console;

namespace LmuSharp.Cli.Commands;

/// <summary>
/// `lmu curve`: the learning curve of runs that continue one another (a curriculum whose legs warm-start from the
/// previous leg): each run's validation metric per epoch against the training hours of all runs so far, one line per
/// run, as a PNG. Reads each run directory's metrics.jsonl.
/// </summary>
static class CurveCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("runs") { Description = "Run directories, in the order they were trained.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "The PNG to write.", Required = true };
        var title = new Option<string>("--title") { Description = "Chart title.", DefaultValueFactory = _ => "learning curve" };
        var command = new Command("curve", "Plot the validation metric of consecutive runs (e.g. curriculum legs) against cumulative training hours.") { runs, output, title };
        command.SetAction(parse => Execute(parse.GetValue(runs)!, parse.GetValue(output)!, parse.GetValue(title)!));
        return command;
    }

    static int Execute(string[] runs, string output, string title)
    {
        var series = new List<(string Name, double[] X, double[] Y)>();
        double offset = 0;
        foreach (var run in runs)
        {
            var history = Read(run);
            series.Add((Path.GetFileName(Path.TrimEndingDirectorySeparator(run)), [.. history.Select(h => (offset + h.Seconds) / 3600)], [.. history.Select(h => h.Validation)]));
            offset += history[^1].Seconds;
            AnsiConsole.MarkupLine($"{Markup.Escape(run)}: {history.Count} epochs, {history[^1].Seconds / 3600:F2} h, last validation {history[^1].Validation:F4}");
        }
        Charts.Lines(output, title, "training hours (cumulative)", "validation metric", series);
        AnsiConsole.MarkupLine($"Wrote {Markup.Escape(output)} ({offset / 3600:F2} h in all).");
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
