namespace LmuSharp.Cli.Tests.Reliability;

/// <summary>Truncated or altered checkpoints are refused with one line by every command that reads them.</summary>
public class DamagedCheckpointTests
{
    public static TheoryData<string> Damages => new() { "half", "last byte cut", "byte flipped near the end" };

    static byte[] Damage(byte[] bytes, string damage) => damage switch
    {
        "half" => bytes[..(bytes.Length / 2)],
        "last byte cut" => bytes[..^1],
        _ => bytes.Select((b, i) => i == bytes.Length - 20 ? (byte)(b ^ 0x04) : b).ToArray(),
    };

    [Theory]
    [MemberData(nameof(Damages))]
    public void Eval_export_and_init_refuse_a_damaged_checkpoint_with_one_line(string damage)
    {
        var work = LmuProcess.TempDirectory();
        var run = TinyRun.Train(work, "run", "--epochs", "1");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var bytes = File.ReadAllBytes(Path.Combine(work, "run", "last.ckpt"));
        File.WriteAllBytes(Path.Combine(work, "damaged.ckpt"), Damage(bytes, damage));
        string expected = damage == "byte flipped near the end" ? "checksum mismatch in section" : $"truncated at byte {Damage(bytes, damage).Length} (expected {bytes.Length} bytes)";

        foreach (var args in new[] { new[] { "eval", "damaged.ckpt" }, ["export", "damaged.ckpt", "model.safetensors"], TinyRun.Args("init", "--epochs", "1", "--init", "damaged.ckpt") })
        {
            var line = TinyRun.OneLineError(LmuProcess.Run(work, args));
            Assert.Contains("damaged.ckpt", line);
            Assert.Contains(expected, line);
        }
        Assert.False(File.Exists(Path.Combine(work, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(work, "init", "last.ckpt")));
    }

    [Fact]
    public void Resume_on_a_truncated_checkpoint_is_one_line_and_without_it_continues_from_the_previous_one()
    {
        var work = LmuProcess.TempDirectory();
        var straight = TinyRun.Train(work, "straight", "--epochs", "2");
        Assert.True(straight.ExitCode == 0, straight.Stderr);
        var run = TinyRun.Train(work, "run", "--epochs", "2");
        Assert.True(run.ExitCode == 0, run.Stderr);
        string dir = Path.Combine(work, "run"), last = Path.Combine(dir, "last.ckpt"), previous = Path.Combine(dir, "previous.ckpt");
        var kept = File.ReadAllBytes(File.Exists(previous) ? previous : last);
        File.Delete(previous);
        File.WriteAllBytes(last, File.ReadAllBytes(last)[..^100]); // cuts into the RNG state, the last section

        var line = TinyRun.OneLineError(LmuProcess.Run(work, "train", "delay", "-o", "run", "--resume"));
        Assert.Contains("last.ckpt: checkpoint truncated at byte", line);

        // A save killed between its two renames leaves previous.ckpt and no last.ckpt: resume from it.
        File.Delete(last);
        File.WriteAllBytes(previous, kept);
        var resumed = LmuProcess.Run(work, "train", "delay", "-o", "run", "--resume", "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("last.ckpt is missing", resumed.Stderr);
        Assert.Equal(TinyRun.Metrics(work, "straight"), TinyRun.Metrics(work, "run"));
    }

    [Fact]
    public void Resume_on_a_checkpoint_with_a_flipped_byte_continues_from_the_previous_one_and_matches_an_uninterrupted_run()
    {
        var work = LmuProcess.TempDirectory();
        var straight = TinyRun.Train(work, "straight", "--epochs", "4");
        Assert.True(straight.ExitCode == 0, straight.Stderr);
        var run = TinyRun.Train(work, "run", "--epochs", "3");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var last = Path.Combine(work, "run", "last.ckpt");
        var bytes = File.ReadAllBytes(last);
        bytes[bytes.Length / 3] ^= 0x10; // inside the model's weights
        File.WriteAllBytes(last, bytes);

        var resumed = LmuProcess.Run(work, "train", "delay", "-o", "run", "--resume", "--epochs", "4", "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("checksum mismatch in section", resumed.Stderr);
        Assert.Contains("Continuing from", resumed.Stderr);
        Assert.Contains("--epochs 3 → 4", resumed.Stderr);
        Assert.True(File.Exists(last + ".corrupt"));
        Assert.Equal(TinyRun.Metrics(work, "straight"), TinyRun.Metrics(work, "run"));
    }
}
