namespace LmuSharp.Cli.Tests.Reliability;

/// <summary>Checkpoints of the first format (no checksums) stay readable, with a note, and a resumed run saves the checked format.</summary>
public class LegacyCheckpointTests
{
    static readonly string Legacy = Path.Combine(AppContext.BaseDirectory, "Reliability", "Data", "delay-tiny-2-epochs.v1.ckpt");

    [Fact]
    public void An_old_format_run_is_evaluated_and_resumed_to_the_same_result_as_a_new_one()
    {
        var work = LmuProcess.TempDirectory();
        var straight = TinyRun.Train(work, "straight", "--epochs", "3");
        Assert.True(straight.ExitCode == 0, straight.Stderr);
        Directory.CreateDirectory(Path.Combine(work, "old"));
        File.Copy(Legacy, Path.Combine(work, "old", "last.ckpt"));

        var eval = LmuProcess.Run(work, "eval", "old/last.ckpt", "--json");
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        Assert.Contains("old checkpoint format (LMUCKPT1)", eval.Stderr);

        var resumed = LmuProcess.Run(work, "train", "delay", "-o", "old", "--resume", "--epochs", "3", "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Equal(TinyRun.Metrics(work, "straight"), TinyRun.Metrics(work, "old"));
        Assert.Equal("LMUCKPT2"u8.ToArray(), File.ReadAllBytes(Path.Combine(work, "old", "last.ckpt"))[..8]);
    }
}
