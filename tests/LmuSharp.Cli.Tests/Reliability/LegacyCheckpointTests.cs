using System.Text.Json;

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
        // The file's two epochs were trained by TorchSharp's Adam.step(); the trainer now takes the fused step, whose
        // float rounding differs in the last digits, so the histories agree to rounding rather than bit for bit.
        AssertClose(TinyRun.Metrics(work, "straight"), TinyRun.Metrics(work, "old"));
        Assert.Equal("LMUCKPT2"u8.ToArray(), File.ReadAllBytes(Path.Combine(work, "old", "last.ckpt"))[..8]);
    }

    /// <summary>The same epochs with every number equal to a relative 1e-4.</summary>
    static void AssertClose(string[] expected, string[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        foreach (var (e, a) in expected.Zip(actual))
        {
            var options = new JsonDocumentOptions { AllowTrailingCommas = true }; // Metrics strips the seconds field, not its comma
            var (ev, av) = (JsonDocument.Parse(e, options).RootElement, JsonDocument.Parse(a, options).RootElement);
            foreach (var property in ev.EnumerateObject())
            {
                double x = property.Value.GetDouble(), y = av.GetProperty(property.Name).GetDouble();
                Assert.True(Math.Abs(x - y) <= 1e-4 * Math.Max(1, Math.Abs(x)), $"{property.Name}: {x} vs {y}");
            }
        }
    }
}
