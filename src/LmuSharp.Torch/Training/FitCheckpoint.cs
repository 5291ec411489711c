using System.Text;
using System.Text.Json;
using LmuSharp.IO;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>
/// Saves and restores everything a fit needs to continue exactly where it was: the <see cref="FitProgress"/>, the
/// model's weights, the optimiser's state and torch's random generator, as the sections of one
/// <see cref="CheckpointFile"/> (checksummed, docs/FORMAT.md §6), written atomically. Call <see cref="Save"/> from
/// <see cref="FitOptions.OnEpochEnd"/> and after an interrupted fit; <see cref="Restore(string, nn.Module, OptimizerHelper)"/> before fitting again with
/// the progress it returns.
/// </summary>
public static class FitCheckpoint
{
    /// <summary>The section names (at most 8 ASCII letters each).</summary>
    public const string ProgressSection = "progress", ModelSection = "model", OptimizerSection = "optim", RngSection = "rng";

    /// <summary>Writes the checkpoint's bytes: <paramref name="header"/> (any JSON the caller keeps, e.g. the progress), model, optimiser and RNG state.</summary>
    /// <param name="header">(section name, bytes) of the caller's header.</param>
    /// <param name="model">The model.</param>
    /// <param name="optimizer">Its optimiser.</param>
    public static byte[] Serialize((string Name, byte[] Body) header, nn.Module model, OptimizerHelper optimizer)
    {
        var scratch = t_scratch ??= new MemoryStream();
        scratch.SetLength(0);
        var weights = Append(scratch, writer => model.save(writer));
        var state = Append(scratch, writer => optimizer.save_state_dict(writer));
        var rng = TorchRngState.Get();
        var bytes = new MemoryStream(header.Body.Length + (int)scratch.Length + rng.Length + 1024); // + the section table
        CheckpointFile.Write(bytes, [
            (header.Name, header.Body),
            (ModelSection, scratch.GetBuffer().AsMemory(weights.Start, weights.Length)),
            (OptimizerSection, scratch.GetBuffer().AsMemory(state.Start, state.Length)),
            (RngSection, rng),
        ]);
        return bytes.ToArray();
    }

    /// <summary>
    /// The model and optimiser sections of the last checkpoint serialised on this thread, in a stream kept for the next:
    /// written into new streams, grown by doubling, the 2 MB of the psMNIST model's checkpoint took 10–30 ms to serialise,
    /// in a kept one under 1 ms.
    /// </summary>
    [ThreadStatic] static MemoryStream? t_scratch;

    /// <summary>Appends what <paramref name="save"/> writes to <paramref name="stream"/>; returns where it lies.</summary>
    static (int Start, int Length) Append(MemoryStream stream, Action<BinaryWriter> save)
    {
        int start = (int)stream.Length;
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)) save(writer);
        return (start, (int)stream.Length - start);
    }

    /// <summary>The bytes <see cref="Save"/> writes: the progress, model, optimiser and RNG state.</summary>
    /// <param name="progress">Where the fit is.</param>
    /// <param name="model">The model.</param>
    /// <param name="optimizer">Its optimiser.</param>
    public static byte[] Serialize(FitProgress progress, nn.Module model, OptimizerHelper optimizer) =>
        Serialize((ProgressSection, JsonSerializer.SerializeToUtf8Bytes(progress, Json)), model, optimizer);

    /// <summary>Saves a fit's state to <paramref name="path"/> atomically; the file it replaces is kept as <paramref name="previousPath"/> if given.</summary>
    public static void Save(string path, FitProgress progress, nn.Module model, OptimizerHelper optimizer, string? previousPath = null)
    {
        var bytes = Serialize(progress, model, optimizer);
        AtomicFile.Write(path, stream => stream.Write(bytes), previousPath);
    }

    /// <summary>Restores model, optimiser and RNG state from a checkpoint written by <see cref="Save"/>, and returns its progress.</summary>
    /// <exception cref="InvalidDataException">The file is damaged, or its weights do not fit the model (nothing is restored from a damaged file).</exception>
    public static FitProgress Restore(string path, nn.Module model, OptimizerHelper optimizer)
    {
        var file = CheckpointFile.Read(path);
        var progress = Progress(file);
        Restore(file, model, optimizer);
        return progress;
    }

    /// <summary>The progress saved in a verified checkpoint written by <see cref="Save"/>; unreadable, an <see cref="InvalidDataException"/>.</summary>
    public static FitProgress Progress(CheckpointFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        try { return JsonSerializer.Deserialize<FitProgress>(file.Section(ProgressSection).Span, Json) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw CheckpointFile.Corrupt(file.Path, $"unreadable progress ({e.Message})"); }
    }

    /// <summary>Restores the model, and the optimiser and RNG state if an optimiser is given, from a verified checkpoint. Every failure is one <see cref="InvalidDataException"/>.</summary>
    public static void Restore(CheckpointFile file, nn.Module model, OptimizerHelper? optimizer)
    {
        try
        {
            model.load(Reader(file, ModelSection));
            if (optimizer is null) return;
            optimizer.load_state_dict(Reader(file, OptimizerSection));
            TorchRngState.Set(file.Section(RngSection).ToArray(), file.Path);
        }
        catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
        {
            throw new InvalidDataException($"{file.Path}: the checkpoint's weights do not fit the model, or the file is damaged ({e.Message.Split('\n', 2)[0].Trim()}).");
        }
    }

    // A diverged fit's losses are NaN or ∞: written as JSON strings, read back.
    static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    static BinaryReader Reader(CheckpointFile file, string section) =>
        new(new MemoryStream(file.Section(section).ToArray(), writable: false), Encoding.UTF8);
}
