using LmuSharp.IO;
using LmuSharp.Onnx;
using LmuSharp.Runtime;
using Spectre.Console;

namespace LmuSharp.Cli.Commands;

/// <summary>
/// `lmu export &lt;checkpoint&gt; &lt;output&gt;`: the model for the dependency-free streaming runtime (.safetensors) or for
/// ONNX Runtime (.onnx: the step graph, and the whole-sequence graph beside it), optionally with a Triton model repository.
/// </summary>
static class ExportCommand
{
    public static Command Create()
    {
        var checkpoint = new Argument<string>("checkpoint") { Description = "A best.ckpt or last.ckpt written by `lmu train`." };
        var destination = new Argument<string>("output") { Description = "The file to write: .safetensors (LmuSharp model format, docs/FORMAT.md) or .onnx (docs/ONNX.md)." };
        var format = new Option<string>("--format") { Description = "safetensors or onnx (default: from the output's extension)." };
        format.AcceptOnlyFromAmong("safetensors", "onnx");
        var graph = new Option<string>("--graph")
        {
            Description = "ONNX only: step (streaming, state as inputs/outputs), sequence (whole sequence) or both (the sequence graph goes to <name>.sequence.onnx).",
            DefaultValueFactory = _ => "both",
        };
        graph.AcceptOnlyFromAmong("step", "sequence", "both");
        var triton = new Option<string?>("--triton") { Description = "Also write a Triton model repository for the step graph into this directory (<dir>/<name>/config.pbtxt, <dir>/<name>/1/model.onnx)." };
        var tritonName = new Option<string>("--triton-name") { Description = "The model's name in the Triton repository.", DefaultValueFactory = _ => "lmu" };
        var command = new Command("export", "Export a trained model for LmuSharp's streaming runtime (safetensors, readable by Python's safetensors too) or for ONNX Runtime and Triton (onnx).")
        {
            checkpoint, destination, format, graph, triton, tritonName,
        };
        command.SetAction(parse => Execute(parse.GetValue(checkpoint)!, parse.GetValue(destination)!, parse.GetValue(format), parse.GetValue(graph)!,
            parse.GetValue(triton), parse.GetValue(tritonName)!));
        return command;
    }

    /// <summary>The format of <paramref name="destination"/>: the option when given, else its extension.</summary>
    internal static string FormatOf(string destination, string? format) => format ?? Path.GetExtension(destination).ToLowerInvariant() switch
    {
        ".safetensors" => "safetensors",
        ".onnx" => "onnx",
        var other => throw new UserError($"cannot tell the format from the extension '{other}' of '{destination}': name the file .safetensors or .onnx, or pass --format safetensors|onnx."),
    };

    /// <summary>Where the sequence graph goes when both graphs are written: model.onnx → model.sequence.onnx.</summary>
    internal static string SequencePath(string destination) =>
        Path.Combine(Path.GetDirectoryName(destination) ?? "", Path.GetFileNameWithoutExtension(destination) + ".sequence.onnx");

    static int Execute(string path, string destination, string? formatOption, string graph, string? tritonDirectory, string tritonName)
    {
        string format = FormatOf(destination, formatOption); // before loading anything: a bad name fails fast
        var (checkpoint, task, model) = Checkpoint.LoadModel(path);
        using var owned = model; // disposed when the command ends
        var (config, progress) = (checkpoint.Config, checkpoint.Progress);
        if (model is not IExportable exportable) throw new UserError($"the {task.Name} '{config.Model}' model cannot be exported.");
        ModelExport export;
        try { export = exportable.ToExport(); }
        catch (NotSupportedException e) { throw new UserError(e.Message); }
        var metadata = new Dictionary<string, string>
        {
            ["lmu.task"] = config.Task, ["lmu.model"] = config.Model, ["lmu.epoch"] = progress.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (model is IExportMetadata extra) foreach (var (key, value) in extra.ExportMetadata()) metadata[key] = value;
        var file = export.ToSafeTensors(metadata);

        // Everything is built and checked in memory first, so a model that cannot be exported leaves no file behind.
        var writes = new List<(string Path, byte[] Bytes)>();
        OnnxExport? onnx = null;
        if (format == "onnx" || tritonDirectory is not null)
        {
            try { onnx = new OnnxExport(file); }
            catch (Exception e) when (e is NotSupportedException or InvalidDataException) { throw new UserError(e.Message); }
            if (tritonDirectory is not null)
            {
                try { _ = TritonRepository.Config(onnx, tritonName); }
                catch (ArgumentException e) { throw new UserError($"--triton-name: {e.Message}"); }
            }
        }
        if (format == "safetensors")
        {
            var runtime = LmuModel.FromSafeTensors(file); // proves the runtime accepts it
            file.Write(destination);
            AnsiConsole.MarkupLine($"Wrote [blue]{Markup.Escape(Path.GetFullPath(destination))}[/] ({new FileInfo(destination).Length:N0} bytes): {runtime.InputSize} → {Markup.Escape(string.Join(" → ", runtime.LayerSummaries))}");
        }
        else
        {
            if (graph is "step" or "both") writes.Add((destination, onnx!.ToBytes(OnnxGraph.Step)));
            if (graph == "sequence") writes.Add((destination, onnx!.ToBytes(OnnxGraph.Sequence)));
            if (graph == "both") writes.Add((SequencePath(destination), onnx!.ToBytes(OnnxGraph.Sequence)));
            foreach (var (target, bytes) in writes)
            {
                AtomicFile.Write(target, s => s.Write(bytes));
                AnsiConsole.MarkupLine($"Wrote [blue]{Markup.Escape(Path.GetFullPath(target))}[/] ({bytes.Length:N0} bytes, ONNX opset {OnnxExport.Opset})");
            }
            AnsiConsole.MarkupLine($"State tensors: {Markup.Escape(string.Join(", ", onnx!.States.Select(s => $"{s.InputName} [batch, {s.Size}]")))}");
        }
        if (tritonDirectory is not null)
        {
            var folder = TritonRepository.Write(onnx!, tritonDirectory, tritonName);
            AnsiConsole.MarkupLine($"Wrote the Triton model [blue]{Markup.Escape(Path.GetFullPath(folder))}[/] (config.pbtxt, 1/model.onnx)");
        }
        return 0;
    }
}
