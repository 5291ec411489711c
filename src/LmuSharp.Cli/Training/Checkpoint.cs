using System.Text;
using System.Text.Json;
using LmuSharp.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Cli.Training;

/// <summary>One epoch's figures: a line of metrics.jsonl.</summary>
sealed record EpochMetrics(int Epoch, double LearningRate, double TrainLoss, double ValidationLoss, double Validation, double Test, double Seconds);

/// <summary>
/// Where a run is: <paramref name="Epoch"/> epochs done and <paramref name="Batch"/> batches into the next,
/// the history so far, and the best validation figure with its (1-based) epoch, 0 before the first.
/// </summary>
sealed record TrainProgress(int Epoch, int Batch, double TrainLossSum, List<EpochMetrics> History, int BestEpoch, double Best, double Elapsed);

/// <summary>
/// A training checkpoint in one file, written atomically: the magic "LMUCKPT1", a length-prefixed
/// JSON header (config and progress), the model (TorchSharp's format), the optimiser state, and the
/// torch RNG state. Restoring all of it lets a killed run continue exactly where it was saved.
/// </summary>
static class Checkpoint
{
    static readonly byte[] Magic = "LMUCKPT1"u8.ToArray();

    sealed record Header(TrainConfig Config, TrainProgress Progress, long Parameters);

    public static void Save(string path, TrainConfig config, TrainProgress progress, nn.Module model, TorchSharp.Modules.OptimizerHelper optimizer)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new Header(config, progress, model.parameters().Sum(p => p.numel())), JsonOptions.Compact);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(header.Length);
            writer.Write(header);
            model.save(writer);
            optimizer.save_state_dict(writer);
            using var rng = torch.random.get_rng_state();
            var bytes = rng.bytes.ToArray();
            writer.Write(bytes.Length);
            writer.Write(bytes);
        });
    }

    /// <summary>Reads only the header (config and progress) of a checkpoint.</summary>
    public static (TrainConfig Config, TrainProgress Progress) ReadHeader(string path)
    {
        using var reader = Open(path);
        var header = ReadHeader(reader, path);
        return (header.Config, header.Progress);
    }

    /// <summary>Restores the model, and the optimiser and RNG state if given, from a checkpoint.</summary>
    public static void Restore(string path, nn.Module model, TorchSharp.Modules.OptimizerHelper? optimizer)
    {
        using var reader = Open(path);
        ReadHeader(reader, path);
        try
        {
            model.load(reader);
            if (optimizer is null) return;
            optimizer.load_state_dict(reader);
            var bytes = reader.ReadBytes(reader.ReadInt32());
            using var rng = torch.tensor(bytes, dtype: ScalarType.Byte);
            torch.random.set_rng_state(rng);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: the checkpoint's weights do not fit the model its header describes, or the file is truncated ({e.Message}).");
        }
    }

    static BinaryReader Open(string path)
    {
        if (!File.Exists(path)) throw new UserError($"checkpoint '{path}' does not exist.");
        return new BinaryReader(File.OpenRead(path), Encoding.UTF8);
    }

    static Header ReadHeader(BinaryReader reader, string path)
    {
        try
        {
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException($"{path} is not an lmu checkpoint (bad magic); give a best.ckpt or last.ckpt written by `lmu train`.");
            int length = reader.ReadInt32();
            if (length <= 0 || length > reader.BaseStream.Length) throw new InvalidDataException($"{path}: corrupt checkpoint header length {length}.");
            return JsonSerializer.Deserialize<Header>(reader.ReadBytes(length), JsonOptions.Compact)
                ?? throw new InvalidDataException($"{path}: empty checkpoint header.");
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException)
        {
            throw new InvalidDataException($"{path}: truncated or corrupt checkpoint header ({e.Message}).");
        }
    }
}
