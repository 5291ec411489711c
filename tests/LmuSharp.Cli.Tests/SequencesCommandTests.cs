using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LmuSharp.Cli.Tests;

public class SequencesCommandTests
{
    /// <summary>
    /// Two processes, sequences of 20–60 rows, alternating: a noisy sine of random phase ("sine") and a Gaussian
    /// random walk ("walk"); the rows of a sequence are consecutive, its id in column id.
    /// </summary>
    internal static string Processes(int count, Func<int, string>? label = null)
    {
        var random = new Random(2);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var csv = new StringBuilder("id,kind,x\n");
        for (int n = 0; n < count; n++)
        {
            string kind = n % 2 == 1 ? "sine" : "walk";
            int length = random.Next(20, 61);
            double phase = 6 * random.NextDouble(), walk = 0;
            for (int t = 0; t < length; t++)
            {
                double x = kind == "sine" ? Math.Sin(t / 3.0 + phase) + 0.3 * Normal() : walk += 0.5 * Normal();
                csv.Append(CultureInfo.InvariantCulture, $"s{n},{label?.Invoke(n) ?? kind},{x:F4}\n");
            }
        }
        return csv.ToString();
    }

    [Fact]
    public void Two_generated_processes_are_told_apart()
    {
        var work = LmuProcess.TempDirectory();
        File.WriteAllText(Path.Combine(work, "seq.csv"), Processes(200));
        var run = LmuProcess.Run(work, "train", "sequences", "--file", "seq.csv", "--id", "id", "--label", "kind", "--threads", "1", "-o", "run", "--json");
        Assert.True(run.ExitCode == 0, run.Stderr);
        var result = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal(["sine", "walk"], result.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(60, result.GetProperty("longestSequence").GetInt32());
        Assert.True(result.GetProperty("accuracy").GetDouble() >= 0.9, run.Stdout);
        Assert.True(File.Exists(Path.Combine(work, "run", "model.safetensors")));
    }

    [Theory]
    [InlineData("one", "column 'kind' has one class ('a') over its 30 sequences")]
    [InlineData("changing", "row 2, column 'kind': 'b' differs from 'a' earlier in sequence 's0'")]
    [InlineData("missing", "--label names column 'class', which the file does not have (columns: id, kind, x)")]
    public void Bad_labels_are_one_line_with_exit_code_2_and_no_run_directory(string problem, string expected)
    {
        var work = LmuProcess.TempDirectory();
        var content = problem switch
        {
            "one" => Processes(30, _ => "a"),
            "changing" => "id,kind,x\ns0,a,1\ns0,b,2\n",
            _ => Processes(30),
        };
        File.WriteAllText(Path.Combine(work, "seq.csv"), content);
        var run = LmuProcess.Run(work, "train", "sequences", "--file", "seq.csv", "--id", "id", "--label", problem == "missing" ? "class" : "kind", "-o", "run");
        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("seq.csv", line);
        Assert.Contains(expected, line);
        Assert.False(Directory.Exists(Path.Combine(work, "run")));
        Assert.Single(Directory.EnumerateFileSystemEntries(work));
    }
}
