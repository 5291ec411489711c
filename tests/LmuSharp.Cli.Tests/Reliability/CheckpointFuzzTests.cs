using System.Buffers.Binary;
using System.Diagnostics;
using LmuSharp.Cli.Tasks;
using LmuSharp.Cli.Training;
using LmuSharp.Torch.Training;
using TorchSharp;

namespace LmuSharp.Cli.Tests.Reliability;

/// <summary>Runs alone: restoring sets libtorch's global RNG state, which other tests' model initialisation reads.</summary>
[CollectionDefinition(nameof(TorchGlobalState), DisableParallelization = true)]
public sealed class TorchGlobalState;

/// <summary>
/// Seeded truncations, bit flips, length edits and splices of a real checkpoint: every case is refused with an
/// <see cref="InvalidDataException"/> (or, unaltered, read), quickly and within a bounded allocation; and
/// sections altered with their checksums recomputed (a crafted file) restore or are refused, never abort.
/// </summary>
[Collection(nameof(TorchGlobalState))]
public class CheckpointFuzzTests
{
    const int Mutations = 20_000, Crafted = 2000;
    static readonly TrainConfig Config = new DelayTask().Defaults("lmu") with { Order = 8, Theta = 20, Length = 64, TrainSamples = 8, BatchSize = 4, Epochs = 2 };

    /// <summary>A real checkpoint of a small delay model after one optimiser step (so Adam has state).</summary>
    static byte[] RealCheckpoint()
    {
        torch.manual_seed(1);
        using var model = new DelayTask().Build(Config);
        using var optimizer = torch.optim.Adam(model.parameters(), 0.01);
        using (var loss = model.forward(torch.randn(2, 64, 1)).square().mean()) loss.backward();
        optimizer.step();
        var path = Path.Combine(LmuProcess.TempDirectory(), "real.ckpt");
        var progress = new TrainProgress(1, 0, 0, [new EpochMetrics(1, 0.01, 1, 1, 1, 1, 1)], 1, 1, 1);
        Checkpoint.Save(path, Config, progress, model, optimizer);
        return File.ReadAllBytes(path);
    }

    [Fact]
    public void Mutated_checkpoints_are_refused_with_InvalidDataException_quickly_and_without_large_allocations()
    {
        var original = RealCheckpoint();
        Checkpoint.Parse(original, "real.ckpt"); // the unaltered file reads
        var random = new Random(20260313);
        var clock = Stopwatch.StartNew();
        var outcomes = new Dictionary<string, int>();
        for (int trial = 0; trial < Mutations; trial++)
        {
            var (kind, bytes) = Mutate(original, random);
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            var start = clock.Elapsed;
            string outcome;
            try { Checkpoint.Parse(bytes, "fuzz.ckpt"); outcome = bytes.AsSpan().SequenceEqual(original) ? "read (unaltered)" : $"ACCEPTED {kind}"; }
            catch (InvalidDataException e) { outcome = Category(e.Message); }
            Assert.True(clock.Elapsed - start < TimeSpan.FromSeconds(1), $"trial {trial} ({kind}) took {clock.Elapsed - start}");
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - allocated < 4L * original.Length + 65536, $"trial {trial} ({kind}) allocated too much");
            Assert.DoesNotContain("ACCEPTED", outcome);
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{Mutations} cases took {clock.Elapsed}");
        Assert.True(outcomes.Count >= 4, string.Join(", ", outcomes));
        Console.WriteLine($"checkpoint fuzz: {Mutations} cases in {clock.Elapsed.TotalSeconds:F2} s: {string.Join(", ", outcomes.OrderBy(o => o.Key).Select(o => $"{o.Key} {o.Value}"))}");
    }

    [Fact]
    public void Crafted_checkpoints_with_valid_checksums_restore_or_are_refused_never_abort()
    {
        var original = RealCheckpoint();
        var sections = SectionsOf(original);
        var random = new Random(7);
        var clock = Stopwatch.StartNew();
        int restored = 0, refused = 0;
        for (int trial = 0; trial < Crafted; trial++)
        {
            var altered = sections.Select(s => (s.Name, (byte[])s.Body.Clone())).ToList();
            int target = random.Next(altered.Count);
            altered[target] = (altered[target].Name, MutateBody(altered[target].Item2, random));
            var stream = new MemoryStream();
            CheckpointFile.Write(stream, altered);
            using var scope = torch.NewDisposeScope();
            using var model = new DelayTask().Build(Config);
            using var optimizer = torch.optim.Adam(model.parameters(), 0.01);
            try { Checkpoint.Restore(Checkpoint.Parse(stream.ToArray(), "crafted.ckpt"), model, optimizer); restored++; }
            catch (InvalidDataException) { refused++; }
        }
        Assert.True(refused > Crafted / 2, $"{restored} restored, {refused} refused");
        Console.WriteLine($"crafted checkpoints: {Crafted} cases in {clock.Elapsed.TotalSeconds:F2} s: {restored} restored, {refused} refused");
    }

    [Fact]
    public void A_short_rng_state_is_an_error_line_not_a_native_abort()
    {
        var sections = SectionsOf(RealCheckpoint()).Select(s => s.Name == FitCheckpoint.RngSection ? (s.Name, s.Body[..^8]) : s).ToList();
        var stream = new MemoryStream();
        CheckpointFile.Write(stream, sections);
        using var model = new DelayTask().Build(Config);
        using var optimizer = torch.optim.Adam(model.parameters(), 0.01);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Restore(Checkpoint.Parse(stream.ToArray(), "short.ckpt"), model, optimizer));
        Assert.Contains("short.ckpt: corrupt checkpoint: the RNG state has 5048 bytes, expected 5056", e.Message);
    }

    static List<(string Name, byte[] Body)> SectionsOf(byte[] bytes)
    {
        var file = CheckpointFile.Parse(bytes, "real.ckpt");
        return new[] { Checkpoint.HeaderSection, FitCheckpoint.ModelSection, FitCheckpoint.OptimizerSection, FitCheckpoint.RngSection }
            .Select(name => (name, file.Section(name).ToArray())).ToList();
    }

    /// <summary>The kind of refusal, from its message (for the tally in docs/RELIABILITY.md).</summary>
    static string Category(string message) =>
        new[] { "truncated", "checksum mismatch in the section table", "checksum mismatch in section", "not an lmu checkpoint", "format version", "section count", "unknown data after", "old checkpoint format", "header length" }
            .FirstOrDefault(message.Contains) ?? message;

    static (string Kind, byte[] Bytes) Mutate(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        int tableEnd = 16 + 24 * 4;
        switch (random.Next(9))
        {
            case 0: return ("truncation", bytes[..random.Next(bytes.Length)]);
            case 1: return ("truncation near the end", bytes[..^random.Next(1, 65)]);
            case 2:
                for (int k = random.Next(1, 4); k > 0; k--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return ("bit flips", bytes);
            case 3:
                bytes[bytes.Length - 1 - random.Next(64)] ^= (byte)(1 << random.Next(8));
                return ("bit flip near the end", bytes);
            case 4:
                int at = 16 + 24 * random.Next(4) + 8;
                long length = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at));
                long edited = random.Next(4) switch { 0 => length + random.Next(-64, 65), 1 => -length, 2 => long.MaxValue - random.Next(100), _ => length * 1000 };
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), edited == length ? length + 1 : edited);
                return ("section length edit", bytes);
            case 5:
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), random.Next(3) switch { 0 => random.Next(-5, 20), 1 => int.MaxValue, _ => int.MinValue });
                return ("section count edit", bytes);
            case 6:
                bytes[random.Next(random.Next(2) == 0 ? tableEnd + 8 : bytes.Length)] = (byte)random.Next(256);
                return ("byte replaced", bytes);
            case 7:
                int splice = random.Next(bytes.Length), count = random.Next(1, 32);
                return random.Next(2) == 0
                    ? ("bytes deleted", bytes[..splice].Concat(bytes[Math.Min(bytes.Length, splice + count)..]).ToArray())
                    : ("bytes inserted", bytes[..splice].Concat(Enumerable.Range(0, count).Select(_ => (byte)random.Next(256))).Concat(bytes[splice..]).ToArray());
            default:
                return ("bytes appended", bytes.Concat(Enumerable.Range(0, random.Next(1, 100)).Select(_ => (byte)random.Next(256))).ToArray());
        }
    }

    static byte[] MutateBody(byte[] body, Random random)
    {
        switch (random.Next(4))
        {
            case 0: return body[..random.Next(body.Length)];
            case 1:
                if (body.Length > 0) for (int k = random.Next(1, 4); k > 0; k--) body[random.Next(body.Length)] ^= (byte)(1 << random.Next(8));
                return body;
            case 2:
                if (body.Length > 0) body[random.Next(Math.Min(body.Length, 64))] = (byte)random.Next(256); // where lengths and counts are
                return body;
            default: return body.Concat(new byte[random.Next(1, 64)]).ToArray();
        }
    }
}
