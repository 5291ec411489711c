using System.Text.RegularExpressions;

namespace LmuSharp.Cli.Tests.Reliability;

/// <summary>A delay-task run small enough to take about a second per process.</summary>
static class TinyRun
{
    public static readonly string[] Options =
        ["--train-samples", "8", "--length", "64", "--theta", "20", "--order", "8", "--batch-size", "4", "--threads", "1", "--schedule", "constant"];

    /// <summary>`lmu train delay` into <paramref name="output"/> with the tiny options and <paramref name="extra"/>.</summary>
    public static LmuProcess.Outcome Train(string work, string output, params string[] extra) =>
        LmuProcess.Run(work, ["train", "delay", "-o", output, "--json", .. Options, .. extra]);

    public static string[] Args(string output, params string[] extra) => ["train", "delay", "-o", output, "--json", .. Options, .. extra];

    /// <summary>The lines of a run's metrics.jsonl without their wall-clock field.</summary>
    public static string[] Metrics(string work, string output) =>
        File.ReadAllLines(Path.Combine(work, output, "metrics.jsonl")).Select(line => Regex.Replace(line, "\"seconds\":[^,}]*", "")).ToArray();

    /// <summary>Asserts a user error: exit code 2 and exactly one line on stderr, with no stack or native frames.</summary>
    public static string OneLineError(LmuProcess.Outcome outcome)
    {
        Assert.True(outcome.ExitCode == 2, $"exit {outcome.ExitCode}: {outcome.Stderr}");
        var lines = outcome.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one line, got:\n{outcome.Stderr}");
        Assert.StartsWith("lmu: error: ", lines[0]);
        return lines[0];
    }
}
