using LmuSharp.Runtime;
using Spectre.Console;

namespace LmuSharp.Cli.Commands;

/// <summary>`lmu export &lt;checkpoint&gt; &lt;out.safetensors&gt;`: the model for the dependency-free streaming runtime.</summary>
static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "A best.ckpt or last.ckpt written by `lmu train`." };
        var destination = new Argument<string>("output") { Description = "The .safetensors file to write (LmuSharp model format, docs/FORMAT.md)." };
        var command = new Command("export", "Export a trained model for LmuSharp's streaming runtime (safetensors, readable by Python's safetensors too).") { checkpoint, destination };
        command.SetAction(parse => Execute(parse.GetValue(checkpoint)!, parse.GetValue(destination)!));
        return command;
    }

    static int Execute(string path, string destination)
    {
        var (checkpoint, task, model) = Checkpoint.LoadModel(path);
        using var owned = model; // disposed when the command ends
        var (config, progress) = (checkpoint.Config, checkpoint.Progress);
        if (model is not IExportable exportable) throw new UserError($"the {task.Name} '{config.Model}' model cannot be exported.");
        ModelExport export;
        try { export = exportable.ToExport(); }
        catch (NotSupportedException e) { throw new UserError(e.Message); }
        export.Save(destination, new Dictionary<string, string>
        {
            ["lmu.task"] = config.Task, ["lmu.model"] = config.Model, ["lmu.epoch"] = progress.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var runtime = LmuModel.Load(destination); // proves the runtime accepts it
        AnsiConsole.MarkupLine($"Wrote [blue]{Markup.Escape(Path.GetFullPath(destination))}[/] ({new FileInfo(destination).Length:N0} bytes): {runtime.InputSize} → {Markup.Escape(string.Join(" → ", runtime.LayerSummaries))}");
        return 0;
    }
}
