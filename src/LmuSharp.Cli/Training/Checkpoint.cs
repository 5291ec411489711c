using System.Text;
using LmuSharp.IO;

namespace LmuSharp.Cli.Training;

/// <summary>One epoch's figures: a line of metrics.jsonl.</summary>
sealed record EpochMetrics(int Epoch, double LearningRate, double TrainLoss, double ValidationLoss, double Validation, double Test, double Seconds);

/// <summary>
/// Where a run is: <paramref name="Epoch"/> epochs done and <paramref name="Batch"/> batches into the next,
/// the history so far, and the best validation figure with its (1-based) epoch, 0 before the first.
/// </summary>
sealed record TrainProgress(int Epoch, int Batch, double TrainLossSum, List<EpochMetrics> History, int BestEpoch, double Best, double Elapsed);

/// <summary>A checkpoint read and verified: its run's config and progress, and the sections to restore from.</summary>
sealed record LoadedCheckpoint(CheckpointFile File, TrainConfig Config, TrainProgress Progress)
{
    /// <summary>The file it was read from.</summary>
    public string Path => File.Path;
}

/// <summary>
/// A training checkpoint in one file, written atomically: a JSON header (config and progress), then the library's
/// <see cref="FitCheckpoint"/> sections (the model in TorchSharp's format, the optimiser state, the torch RNG state),
/// each a section of a <see cref="CheckpointFile"/> with its length and checksum. Restoring all of it lets a killed run continue
/// exactly where it was saved; a damaged file is refused, before anything is restored, with one line.
/// </summary>
static class Checkpoint
{
    public const string HeaderSection = "header";

    sealed record Header(TrainConfig Config, TrainProgress Progress, long Parameters);

    /// <summary>Writes a checkpoint atomically; the file it replaces is kept as <paramref name="previousPath"/> if given.</summary>
    public static void Save(string path, TrainConfig config, TrainProgress progress, nn.Module model, TorchSharp.Modules.OptimizerHelper optimizer, string? previousPath = null) =>
        Write(path, Serialize(config, progress, model, optimizer), previousPath);

    /// <summary>A checkpoint's bytes, for <see cref="Write"/> (once for several files of the same state).</summary>
    public static byte[] Serialize(TrainConfig config, TrainProgress progress, nn.Module model, TorchSharp.Modules.OptimizerHelper optimizer)
    {
        var header = new Header(config, progress, model.parameters().Sum(p => p.numel()));
        return FitCheckpoint.Serialize((HeaderSection, JsonSerializer.SerializeToUtf8Bytes(header, JsonOptions.Compact)), model, optimizer);
    }

    /// <summary>Writes a checkpoint's bytes atomically; the file it replaces is kept as <paramref name="previousPath"/> if given.</summary>
    public static void Write(string path, byte[] bytes, string? previousPath = null) =>
        AtomicFile.Write(path, stream => FaultInjection.Write(stream, bytes), previousPath);

    /// <summary>Reads and verifies a checkpoint, and its header (config and progress); no TorchSharp involved.</summary>
    public static LoadedCheckpoint Load(string path)
    {
        if (!File.Exists(path)) throw new UserError($"checkpoint '{path}' does not exist.");
        var bytes = File.ReadAllBytes(path);
        return FromFile(LegacyCheckpointFile.Is(bytes) ? LegacyCheckpointFile.Parse(bytes, path) : CheckpointFile.Parse(bytes, path));
    }

    /// <summary>Verifies a checkpoint's bytes and reads its header; <paramref name="path"/> names it in messages.</summary>
    public static LoadedCheckpoint Parse(byte[] bytes, string path) => FromFile(CheckpointFile.Parse(bytes, path));

    static LoadedCheckpoint FromFile(CheckpointFile file)
    {
        var header = ParseHeader(file);
        return new LoadedCheckpoint(file, header.Config, header.Progress);
    }

    /// <summary>A checkpoint's trained model: read and verified, rebuilt by its task from its config, weights restored.</summary>
    public static (LoadedCheckpoint Checkpoint, ITask Task, nn.Module<Tensor, Tensor> Model) LoadModel(string path)
    {
        var checkpoint = Load(path);
        var task = TaskRegistry.Get(checkpoint.Config.Task);
        torch.manual_seed(checkpoint.Config.Seed);
        var model = task.Build(checkpoint.Config);
        Restore(checkpoint, model, optimizer: null);
        return (checkpoint, task, model);
    }

    /// <summary>Restores the model, and the optimiser and RNG state if an optimiser is given. Every failure is one InvalidDataException.</summary>
    public static void Restore(LoadedCheckpoint checkpoint, nn.Module model, TorchSharp.Modules.OptimizerHelper? optimizer)
    {
        var file = checkpoint.File;
        try
        {
            if (file.Has(LegacyCheckpointFile.TorchSection)) RestoreLegacy(file, model, optimizer);
            else FitCheckpoint.Restore(file, model, optimizer);
        }
        catch (Exception e) when (e is not InvalidDataException and not OutOfMemoryException)
        {
            throw new InvalidDataException($"{file.Path}: the checkpoint's weights do not fit the model its header describes, or the file is damaged ({FirstLine(e.Message)}).");
        }
    }

    static void RestoreLegacy(CheckpointFile file, nn.Module model, TorchSharp.Modules.OptimizerHelper? optimizer)
    {
        var reader = Reader(file, LegacyCheckpointFile.TorchSection);
        model.load(reader);
        if (optimizer is null) return;
        optimizer.load_state_dict(reader);
        int length = reader.ReadInt32();
        if (length < 0 || length > reader.BaseStream.Length - reader.BaseStream.Position) throw CheckpointFile.Corrupt(file.Path, $"RNG state length {length}");
        TorchRngState.Set(reader.ReadBytes(length), file.Path);
    }

    static Header ParseHeader(CheckpointFile file)
    {
        Header? header;
        try { header = JsonSerializer.Deserialize<Header>(file.Section(HeaderSection).Span, JsonOptions.Compact); }
        catch (JsonException e) { throw CheckpointFile.Corrupt(file.Path, $"unreadable header ({e.Message})"); }
        if (header?.Config is null || header.Progress?.History is null) throw CheckpointFile.Corrupt(file.Path, "the header lacks the config or progress");
        try { header.Config.Validate(); }
        catch (ArgumentException e) { throw CheckpointFile.Corrupt(file.Path, $"the header's config is invalid: {e.Message}"); }
        var p = header.Progress;
        if (p.Epoch < 0 || p.Batch < 0 || p.History.Count != p.Epoch || p.Epoch > header.Config.Epochs)
            throw CheckpointFile.Corrupt(file.Path, $"the header's progress (epoch {p.Epoch}, batch {p.Batch}, {p.History.Count} epochs of history) is inconsistent");
        return header;
    }

    static BinaryReader Reader(CheckpointFile file, string section) =>
        new(new MemoryStream(file.Section(section).ToArray(), writable: false), Encoding.UTF8);

    static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
