using System.Text.RegularExpressions;

namespace LmuSharp.Cli.Tests.Reliability;

/// <summary>
/// `lmu train series|sequences` killed (SIGKILL, as kill -9) halfway through a checkpoint write, then continued with
/// --resume -o: the finished run equals an uninterrupted one (scores, per-epoch metrics, the exported model byte for
/// byte). The process kills itself at its n-th checkpoint write (LMU_TEST_CHECKPOINT_WRITE_KILL), so each kill
/// lands at the same point of the run however loaded the machine is.
/// </summary>
public class OwnDataKillResumeTests
{
    static Dictionary<string, string> KillAtWrite(int n) => new() { ["LMU_TEST_CHECKPOINT_WRITE_KILL"] = $"{n}" };

    static readonly string[] SeriesRun = ["--target", "load", "--horizon", "4", "--window", "24", "--order", "6", "--hidden", "8", "--epochs", "5", "--patience", "0", "--threads", "1", "--json"];

    [Fact]
    public void A_series_run_killed_in_the_lstm_baseline_resumes_to_the_uninterrupted_result()
    {
        var work = LmuProcess.TempDirectory();
        var csv = Path.Combine(work, "data.csv");
        File.WriteAllLines(csv, SeriesCommandTests.Csv(SeriesCommandTests.Sines(240)));
        string[] Train(string output) => ["train", "series", "--file", csv, "-o", output, .. SeriesRun];
        var straight = LmuProcess.Run(work, Train("straight"));
        Assert.True(straight.ExitCode == 0, straight.Stderr);

        // The LMU's fit writes a checkpoint per epoch and one more per best epoch; the run repeats bit for bit, so the
        // straight run's metrics count them. Write 3 after them is in the LSTM's second epoch.
        int lmuWrites = CheckpointWrites(Path.Combine(work, "straight", "lmu-metrics.jsonl"));
        AssertKilledUnfinished(work, "run", LmuProcess.Run(work, KillAtWrite(lmuWrites + 3), Train("run")));

        var resumed = LmuProcess.Run(work, "train", "series", "--resume", "-o", "run", "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("lmu: finished at epoch 5 before the run stopped", resumed.Stderr);
        Assert.Contains("lstm: continuing from epoch 1", resumed.Stderr);
        AssertSameRun(work, "straight", "run", ["lmu-metrics.jsonl", "lstm-metrics.jsonl"]);
        Assert.Equal(Scores(straight.Stdout), Scores(resumed.Stdout));
    }

    [Fact]
    public void A_sequences_run_killed_mid_fit_resumes_to_the_uninterrupted_result()
    {
        var work = LmuProcess.TempDirectory();
        File.WriteAllText(Path.Combine(work, "seq.csv"), SequencesCommandTests.Processes(60));
        string[] Train(string output) => ["train", "sequences", "--file", "seq.csv", "--id", "id", "--label", "kind", "--order", "6", "--hidden", "8", "--epochs", "4", "--patience", "0", "--threads", "1", "-o", output, "--json"];
        var straight = LmuProcess.Run(work, Train("straight"));
        Assert.True(straight.ExitCode == 0, straight.Stderr);

        AssertKilledUnfinished(work, "run", LmuProcess.Run(work, KillAtWrite(3), Train("run"))); // in the second epoch
        var resumed = LmuProcess.Run(work, "train", "sequences", "--resume", "-o", "run", "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains("lmu: continuing from epoch 1", resumed.Stderr);
        AssertSameRun(work, "straight", "run", ["lmu-metrics.jsonl"]);
        Assert.Equal(Regex.Replace(straight.Stdout, "\"output\":\"[^\"]*\"", ""), Regex.Replace(resumed.Stdout, "\"output\":\"[^\"]*\"", ""));
    }

    [Fact]
    public void Resume_refuses_run_options_a_missing_run_and_a_changed_data_file_with_one_line()
    {
        var work = LmuProcess.TempDirectory();
        var csv = Path.Combine(work, "data.csv");
        File.WriteAllLines(csv, SeriesCommandTests.Csv(SeriesCommandTests.Sines(240)));

        Assert.Contains("--resume continues the run with the options it was started with (its config.json); leave out --file, --horizon",
            TinyRun.OneLineError(LmuProcess.Run(work, "train", "series", "--resume", "-o", "run", "--file", csv, "--horizon", "3")));
        Assert.Contains("--resume: there is no unfinished run 'run.partial' to continue",
            TinyRun.OneLineError(LmuProcess.Run(work, "train", "series", "--resume", "-o", "run")));
        Assert.Contains("--target is required (or --resume -o <dir>",
            TinyRun.OneLineError(LmuProcess.Run(work, "train", "series", "--file", csv, "--horizon", "3", "-o", "run")));

        AssertKilledUnfinished(work, "run", LmuProcess.Run(work, KillAtWrite(1), ["train", "series", "--file", csv, "-o", "run", .. SeriesRun]));
        var fresh = TinyRun.OneLineError(LmuProcess.Run(work, ["train", "series", "--file", csv, "-o", "run", .. SeriesRun]));
        Assert.Contains("'run.partial' holds an unfinished `lmu train series` run for 'run' (its process was killed or failed); continue it with `lmu train series --resume -o run`, or delete it", fresh);
        // A new run beside it, on another output, names it (a killed run's default output is never met again by name).
        var beside = LmuProcess.Run(work, "train", "series", "--file", csv, "--target", "price", "--horizon", "3", "-o", "other", "--json");
        Assert.Equal(2, beside.ExitCode);
        Assert.Contains($"'{Path.Combine(work, "run.partial")}' holds an unfinished `lmu train series` run (its process was killed or failed); continue it with `lmu train series --resume -o {Path.Combine(work, "run")}`",
            Regex.Replace(beside.Stderr, @"\s+", " "));

        File.AppendAllText(csv, "2020-02-01T00:00:00,10,0\n");
        Assert.Contains($"--resume: {csv} has changed since the run in 'run.partial' started",
            TinyRun.OneLineError(LmuProcess.Run(work, "train", "series", "--resume", "-o", "run")));
        Assert.Contains("'run.partial' holds an `lmu train series` run, not sequences",
            TinyRun.OneLineError(LmuProcess.Run(work, "train", "sequences", "--resume", "-o", "run")));
    }

    /// <summary>The process died by SIGKILL, leaving the staging directory with a half-written checkpoint and no output directory.</summary>
    static void AssertKilledUnfinished(string work, string output, LmuProcess.Outcome outcome)
    {
        Assert.True(outcome.ExitCode == 128 + 9, $"exit {outcome.ExitCode}: {outcome.Stderr}");
        Assert.False(Directory.Exists(Path.Combine(work, output)));
        Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(work, output + ".partial"), "*.ckpt.*.tmp"));
    }

    /// <summary>The resumed run's directory: complete, no staging, temporary or checkpoint files left; metrics and model equal the straight run's.</summary>
    static void AssertSameRun(string work, string straight, string resumed, string[] metrics)
    {
        Assert.False(Directory.Exists(Path.Combine(work, resumed + ".partial")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(work, resumed), "*.tmp"));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(work, resumed), "*.ckpt"));
        foreach (var file in metrics) Assert.Equal(Epochs(Path.Combine(work, straight, file)), Epochs(Path.Combine(work, resumed, file)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(work, straight, "model.safetensors")), File.ReadAllBytes(Path.Combine(work, resumed, "model.safetensors")));
    }

    /// <summary>A metrics file's lines without their wall-clock field.</summary>
    static string[] Epochs(string path) => File.ReadAllLines(path).Select(line => Regex.Replace(line, "\"seconds\":[^,}]*", "")).ToArray();

    /// <summary>The checkpoints a fit wrote: one per epoch, one more for each epoch better than all before it.</summary>
    static int CheckpointWrites(string metrics)
    {
        var validation = File.ReadAllLines(metrics).Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("validation").GetDouble()).ToArray();
        return validation.Length + validation.Where((v, i) => validation.Take(i).All(before => v < before)).Count();
    }

    static string Scores(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("scores").GetRawText();
}
