using Spectre.Console;

namespace LmuSharp.Cli.Commands;

/// <summary>`lmu eval &lt;checkpoint&gt;`: the test figure of a saved model, on its task's test split.</summary>
static class EvalCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "A best.ckpt or last.ckpt written by `lmu train`." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory with the task's data files (default: the cache)." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON on stdout." };
        var command = new Command("eval", "Evaluate a checkpoint on its task's test split.") { checkpoint, dataDir, json };
        command.SetAction(parse => Execute(parse.GetValue(checkpoint)!, parse.GetValue(dataDir), parse.GetValue(json)));
        return command;
    }

    static int Execute(string path, string? dataDir, bool json)
    {
        var (checkpoint, task, model) = Checkpoint.LoadModel(path);
        using var owned = model; // disposed when the command ends
        var (config, progress) = (checkpoint.Config, checkpoint.Progress);
        using var data = task.Load(config, dataDir, message => Console.Error.WriteLine(message));
        var (loss, metric) = Trainer.Evaluate(task, model, data.Test, config.BatchSize);
        var runtime = model is Tasks.Kws.KwsModel kws ? Tasks.Kws.RuntimeAgreement.Measure(kws, data.Test) : null;
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(new { task = task.Name, model = config.Model, epoch = progress.Epoch, metric = task.Metric.Name, test = metric, loss, runtime }, JsonOptions.Compact));
            return 0;
        }
        var table = new Table().Title($"{task.Name} · {config.Model} · epoch {progress.Epoch}").AddColumns("split", task.Metric.Name, "loss");
        table.AddRow($"test ({data.Test.Count:N0})", $"{metric:F4}", $"{loss:F4}");
        AnsiConsole.Write(table);
        if (runtime is not null)
            AnsiConsole.MarkupLine($"{runtime.Path}, frame by frame: accuracy {runtime.Accuracy:F4}; same class as the forward on {runtime.SameDecisions:N0} of {runtime.Clips:N0} clips; max |Δ logit| {runtime.MaxLogitError:G3}");
        return 0;
    }
}
