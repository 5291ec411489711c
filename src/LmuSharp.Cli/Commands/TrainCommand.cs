using Spectre.Console;

namespace LmuSharp.Cli.Commands;

/// <summary>`lmu train &lt;task&gt;`: train a task's model with its paper configuration, any of it overridden.</summary>
static class TrainCommand
{
    public static Command Create()
    {
        var task = new Argument<string>("task") { Description = "The task: " + string.Join(", ", TaskRegistry.All.Select(t => t.Name)) + " (see `lmu tasks`)." };
        var options = TrainOptions.Create();
        var output = new Option<string?>("--output", "-o") { Description = "Run directory (default: a new runs/<task>-<model>/<date-time>; with --resume, the latest one)." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory with the task's data files (default: fetched once into a cache)." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --output from its last checkpoint." };
        var init = new Option<string?>("--init") { Description = "Start from the weights of this checkpoint (same architecture), e.g. one trained on shorter sequences." };
        var json = new Option<bool>("--json") { Description = "Print the final result as JSON on stdout (progress goes to stderr)." };

        var command = new Command("train", "Train a model on one of the papers' tasks, with the paper's configuration as defaults.") { task };
        foreach (var entry in options) command.Options.Add(entry.Option);
        foreach (var option in new Option[] { output, dataDir, resume, init, json }) command.Options.Add(option);
        command.Subcommands.Add(TrainSeriesCommand.Create());
        command.Subcommands.Add(TrainSequencesCommand.Create());
        command.SetAction(parse =>
        {
            var t = TaskRegistry.Get(parse.GetValue(task)!);
            var defaults = t.Defaults(parse.GetValue<string>("--model") ?? t.Models[0]);
            var config = options.Aggregate(defaults, (c, entry) => entry.Read(c, parse));
            var directory = parse.GetValue(output) ?? DefaultOutput(t, config.Model, parse.GetValue(resume));
            var given = options.Where(e => parse.GetResult(e.Option) is not null).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
            return Execute(t, config.Validate(), given, directory, parse.GetValue(dataDir), parse.GetValue(resume), parse.GetValue(init), parse.GetValue(json));
        });
        return command;
    }

    /// <summary>A fresh time-stamped run directory, or with --resume the latest existing one.</summary>
    static string DefaultOutput(ITask task, string model, bool resume)
    {
        var parent = Path.Combine("runs", $"{task.Name}-{model}");
        if (!resume) return Path.Combine(parent, DateTime.Now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
        return Directory.Exists(parent) ? Directory.GetDirectories(parent).Order(StringComparer.Ordinal).LastOrDefault() ?? parent : parent;
    }

    static int Execute(ITask task, TrainConfig config, IReadOnlySet<string> given, string output, string? dataDir, bool resume, string? init, bool json)
    {
        var console = json ? AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }) : AnsiConsole.Console;
        if (resume && init is not null) throw new UserError("--init starts a new run from other weights; it cannot be combined with --resume.");
        if (init is not null && !File.Exists(init)) throw new UserError($"--init: checkpoint '{init}' does not exist.");
        if (resume && !Directory.Exists(output)) throw new UserError($"--resume: the run directory '{output}' does not exist.");
        Directory.CreateDirectory(output);
        using var runLock = RunLock.Acquire(output);
        runLock.RemoveLeftovers();
        LoadedCheckpoint? checkpoint = null;
        if (resume) (config, checkpoint) = ResumeRun(task, config, given, output, console);
        else if (File.Exists(Path.Combine(output, Trainer.LastCheckpoint)) || File.Exists(Path.Combine(output, Trainer.PreviousCheckpoint)))
            throw new UserError($"'{output}' already holds a run; continue it with --resume, or choose another --output.");

        using var data = task.Load(config, dataDir, message => console.MarkupLine(Markup.Escape(message)));
        var trainer = new Trainer(task, config, output, console) { InitialWeights = init };
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; trainer.RequestStop(); };
        Console.CancelKeyPress += onCancel;
        RunResult result;
        try { result = trainer.Run(data, checkpoint); }
        finally { Console.CancelKeyPress -= onCancel; }

        if (json) Console.Out.WriteLine(JsonSerializer.Serialize(result, JsonOptions.Compact));
        else Summarise(console, result);
        return result.Interrupted ? 130 : 0;
    }

    /// <summary>The checkpoint to continue from and the run's config, with the options a resume may change applied.</summary>
    static (TrainConfig, LoadedCheckpoint) ResumeRun(ITask task, TrainConfig requested, IReadOnlySet<string> given, string output, IAnsiConsole console)
    {
        var checkpoint = ResumePoint.Find(output, line => console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(line)}"));
        if (checkpoint.Config.Task != task.Name) throw new UserError($"--resume: '{output}' holds a {checkpoint.Config.Task} run, not {task.Name}.");
        var (config, changes) = TrainOptions.Reconcile(output, checkpoint.Config, requested, given, checkpoint.Progress.Epoch);
        foreach (var change in changes) console.MarkupLine($"Resuming with {Markup.Escape(change)}.");
        return (config, checkpoint);
    }

    static void Summarise(IAnsiConsole console, RunResult r)
    {
        var table = new Table().Title($"{r.Task} · {r.Model}").AddColumns("", "this run", "published");
        table.AddRow("parameters", $"{r.Parameters:N0}", "");
        table.AddRow($"test {r.Metric} (best validation epoch {r.BestEpoch})", $"{r.Test:F4}", r.Published is double p ? $"{p:F4} ({Markup.Escape(r.PublishedSource ?? "")})" : "-");
        table.AddRow($"validation {r.Metric}", $"{r.Validation:F4}", "");
        table.AddRow("training time", $"{TimeSpan.FromSeconds(r.Seconds):hh\\:mm\\:ss}", "");
        console.Write(table);
        console.MarkupLine($"Run directory: [blue]{Markup.Escape(r.Output)}[/]");
    }
}
