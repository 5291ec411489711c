namespace LmuSharp.Cli.Tests;

/// <summary>`lmu curve` end to end on hand-written metrics.jsonl files: the chart, the cumulative hours it reports, and its errors.</summary>
public class CurveCommandTests
{
    static void WriteRun(string directory, params (double Validation, double Seconds)[] epochs)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllLines(Path.Combine(directory, "metrics.jsonl"), epochs.Select((e, i) =>
            $$"""{"epoch":{{i + 1}},"learningRate":0.001,"trainLoss":0.5,"validationLoss":0.4,"validation":{{e.Validation}},"test":{{e.Validation}},"seconds":{{e.Seconds}}}"""));
    }

    [Fact]
    public void Consecutive_runs_are_plotted_against_cumulative_hours()
    {
        var dir = LmuProcess.TempDirectory();
        WriteRun(Path.Combine(dir, "short"), (0.5, 1800), (1.0, 3600));
        WriteRun(Path.Combine(dir, "long"), (1.0, 5400));
        var run = LmuProcess.Run(dir, "curve", "short", "long", "-o", "curve.png");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("2.50 h in all", run.Stdout); // 1 h + 1.5 h
        var png = File.ReadAllBytes(Path.Combine(dir, "curve.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
    }

    [Fact]
    public void Runs_shorter_than_two_hours_are_counted_in_minutes()
    {
        var dir = LmuProcess.TempDirectory();
        WriteRun(Path.Combine(dir, "a"), (0.5, 60), (1.0, 120));
        WriteRun(Path.Combine(dir, "b"), (1.0, 30));
        var run = LmuProcess.Run(dir, "curve", "a", "b", "-o", "curve.png");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("2.50 min in all", run.Stdout);
    }

    [Fact]
    public void A_run_without_metrics_is_named_in_one_line_with_exit_code_2()
    {
        var dir = LmuProcess.TempDirectory();
        WriteRun(Path.Combine(dir, "good"), (1.0, 60));
        Directory.CreateDirectory(Path.Combine(dir, "empty"));
        var run = LmuProcess.Run(dir, "curve", "good", "empty", "-o", "curve.png");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(Path.Combine("empty", "metrics.jsonl"), run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr);
        Assert.False(File.Exists(Path.Combine(dir, "curve.png")));
    }
}
