using System.Text.Json;
using LmuSharp.Cli.Benchmarks.Workloads;
using LmuSharp.Cli.Tasks;

namespace LmuSharp.Cli.Tests;

/// <summary>
/// `lmu bench` end to end, in --quick mode. Speed is not unit-tested: these tests check that every table is measured,
/// printed, written to JSON and charted, that every figure is finite and positive, and that the derived ratios agree
/// with the figures they are derived from — never a timing threshold.
/// </summary>
public class BenchCommandTests
{
    static readonly string[] Tables = ["main-job", "train-step", "memory", "scan", "runtime", "linear-rnn", "long-2b", "kws"];

    [Fact]
    public void Quick_bench_measures_every_table_and_writes_json_and_charts()
    {
        var dir = LmuProcess.TempDirectory();
        var run = LmuProcess.Run(dir, "bench", "--quick", "--threads", "1", "--json", "-o", "out");
        Assert.True(run.ExitCode == 0, run.Stderr);

        using var printed = JsonDocument.Parse(run.Stdout);
        using var written = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "out", "bench.json")));
        Assert.Equal(printed.RootElement.ToString(), written.RootElement.ToString());
        var root = written.RootElement;
        Assert.Equal("quick", root.GetProperty("profile").GetString());
        var machine = root.GetProperty("machine");
        Assert.Equal(Environment.ProcessorCount, machine.GetProperty("cores").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(machine.GetProperty("cpu").GetString()));
        Assert.Equal(1, machine.GetProperty("torch_threads").GetInt32());

        var tables = root.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal(Tables, tables.Keys);
        foreach (var (name, table) in tables)
        {
            var rows = table.GetProperty("rows").EnumerateArray().ToArray();
            Assert.NotEmpty(rows);
            foreach (var row in rows)
                foreach (var cell in row.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number))
                    Assert.True(double.IsFinite(cell.Value.GetDouble()) && cell.Value.GetDouble() > 0, $"{name}: {row.GetProperty("label")} {cell.Name} = {cell.Value}");
            var findings = table.GetProperty("findings").EnumerateArray().ToArray();
            Assert.NotEmpty(findings);
            Assert.All(findings, f => Assert.True(double.IsFinite(f.GetProperty("value").GetDouble()), $"{name}: {f}"));
            var png = File.ReadAllBytes(Path.Combine(dir, "out", $"bench-{name}.png"));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        }

        // The ratios are the figures' ratios.
        var mainJob = tables["main-job"].GetProperty("rows").EnumerateArray().ToArray();
        Assert.Equal(["LmuSharp, 1 thread", "LmuSharp, 2 threads"], mainJob.Select(r => r.GetProperty("label").GetString()));
        var perSample = mainJob.Select(r => r.GetProperty("gflops").GetDouble() * 1e9 / r.GetProperty("samples_per_second").GetDouble()).ToArray();
        Assert.All(perSample, f => Assert.Equal(2.46e6, f, 0.01e6)); // the model-equivalent work of the default model
        Assert.True(Finding(tables["main-job"], "one_time_seconds") > 0); // the input windows, timed apart from the epochs
        var train = tables["train-step"];
        var ms = train.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("ms_per_step").GetDouble()).ToArray();
        Assert.Equal(ms[1] / ms[0], Finding(train, "speedup"), 6);
        Assert.Equal(ms[3] / ms[2], Finding(train, "rnn_speedup"), 6);

        var memory = tables["memory"].GetProperty("rows").EnumerateArray().GroupBy(r => r.GetProperty("group").GetString()).ToArray();
        Assert.Equal(["T = 100", "T = 1,000"], memory.Select(g => g.Key![..g.Key!.IndexOf(" (auto: ", StringComparison.Ordinal)]));
        foreach (var group in memory)
        {
            Assert.Equal(["fft", "raw", "chunked", "sequential"], group.Select(r => r.GetProperty("label").GetString()));
            Assert.Contains(group.Key!.Split("(auto: ")[1].TrimEnd(')'), new[] { "fft", "raw", "chunked" });
            Assert.Equal(1.0, group.Min(r => r.GetProperty("relative_to_fastest").GetDouble()), 12);
        }

        foreach (var group in tables["scan"].GetProperty("rows").EnumerateArray().GroupBy(r => r.GetProperty("group").GetString()))
        {
            var rows = group.ToDictionary(r => r.GetProperty("label").GetString()!);
            if (!rows.TryGetValue("memory copy", out var copy)) continue;
            Assert.Equal(100.0, copy.GetProperty("percent_of_copy").GetDouble(), 9);
            double ratio = rows["scan forward"].GetProperty("gb_per_second").GetDouble() / copy.GetProperty("gb_per_second").GetDouble();
            Assert.Equal(100 * ratio, rows["scan forward"].GetProperty("percent_of_copy").GetDouble(), 6);
        }

        var runtime = tables["runtime"];
        var byLabel = runtime.GetProperty("rows").EnumerateArray().Where(r => r.GetProperty("group").GetString() == "psMNIST")
            .ToDictionary(r => r.GetProperty("label").GetString()!, r => r.GetProperty("us_per_step").GetDouble());
        Assert.Equal(byLabel["TorchSharp step, 1 stream"] / byLabel["runtime, 1 stream"], Finding(runtime, "speedup_psMNIST_1"), 6);

        var longRow = Assert.Single(tables["long-2b"].GetProperty("rows").EnumerateArray()); // --quick: 65,536 steps only
        Assert.Equal(longRow.GetProperty("seconds_per_iteration").GetDouble(), Finding(tables["long-2b"], "seconds"), 9);
        Assert.Equal(1e6 * longRow.GetProperty("seconds_per_iteration").GetDouble() / 65_536, longRow.GetProperty("us_per_step").GetDouble(), 6);
    }

    [Fact]
    public void Only_runs_the_named_tables_and_prints_them()
    {
        var dir = LmuProcess.TempDirectory();
        var run = LmuProcess.Run(dir, "bench", "--only", "scan", "--quick", "--threads", "1", "-o", "out");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("Linear recurrence scan", run.Stdout);
        Assert.Contains("Machine:", run.Stdout);
        Assert.Equal(["bench-scan.png", "bench.json"], Directory.GetFiles(Path.Combine(dir, "out")).Select(Path.GetFileName).Order());
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "out", "bench.json")));
        Assert.Equal(["scan"], json.RootElement.GetProperty("tables").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
    }

    [Theory]
    [InlineData("--only", "speed", "main-job, train-step, memory, scan, runtime, linear-rnn, long-2b, kws")]
    [InlineData("--threads", "-1", "--threads")]
    public void Bad_options_give_one_clear_line_and_a_nonzero_exit(string option, string value, string expected)
    {
        var dir = LmuProcess.TempDirectory();
        var run = LmuProcess.Run(dir, "bench", "--quick", option, value, "-o", "out");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(expected, run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr);
        Assert.False(Directory.Exists(Path.Combine(dir, "out")));
    }

    [Fact]
    public void An_output_path_that_is_a_file_is_reported_before_measuring()
    {
        var dir = LmuProcess.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "taken"), "a file, not a directory");
        var run = LmuProcess.Run(dir, "bench", "--quick", "-o", "taken");
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("lmu: error: --output taken is a file", run.Stderr);
        Assert.Single(run.Stderr.Trim().Split('\n'));
        Assert.Equal("a file, not a directory", File.ReadAllText(Path.Combine(dir, "taken")));
    }

    [Theory]
    [InlineData("lmu-parallel", 165_746)]
    [InlineData("lmu-parallel:sequential", 165_746)]
    [InlineData("lmu-no-feedback", 0)]
    [InlineData("lmu", 0)]
    public void The_train_step_workload_times_the_model_lmu_train_psmnist_builds(string variant, long published)
    {
        var task = new PsMnistTask();
        string model = variant.Split(':')[0];
        var defaults = task.Defaults(model);
        using var built = task.Build(defaults);
        long expected = built.parameters().Sum(p => p.numel());
        if (published > 0) Assert.Equal(published, expected);

        using var step = new PsMnistTrainStep(variant, length: 8, batch: 2);
        Assert.Equal(expected, step.Parameters);
        Assert.Equal(defaults with { Mode = step.Config.Mode }, step.Config); // the task's defaults, the mode apart
        Assert.Equal(variant.Contains(':') ? variant.Split(':')[1] : defaults.Mode, step.Config.Mode);
        step.Step();
    }

    static double Finding(JsonElement table, string key) =>
        table.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("key").GetString() == key).GetProperty("value").GetDouble();
}
