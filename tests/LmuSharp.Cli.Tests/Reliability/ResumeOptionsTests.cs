using LmuSharp.Cli.Training;

namespace LmuSharp.Cli.Tests.Reliability;

/// <summary>--resume applies the options that may change and refuses any other that contradicts the run.</summary>
public class ResumeOptionsTests
{
    [Fact]
    public void Resume_refuses_options_that_contradict_the_run_and_applies_epochs()
    {
        var work = LmuProcess.TempDirectory();
        var run = TinyRun.Train(work, "run", "--epochs", "1");
        Assert.True(run.ExitCode == 0, run.Stderr);

        var line = TinyRun.OneLineError(LmuProcess.Run(work, "train", "delay", "--resume", "-o", "run", "--order", "32", "--hidden", "3", "--epochs", "2"));
        Assert.Contains("'run' was started with other options: --order is 8 in the run, 32 given; --hidden is 1 in the run, 3 given.", line);
        Assert.Single(File.ReadAllLines(Path.Combine(work, "run", "metrics.jsonl")));

        var extended = LmuProcess.Run(work, ["train", "delay", "--resume", "-o", "run", "--json", .. TinyRun.Options, "--epochs", "2"]);
        Assert.True(extended.ExitCode == 0, extended.Stderr);
        Assert.Contains("Resuming with --epochs 1 → 2.", extended.Stderr);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(work, "run", "metrics.jsonl")).Length);
        Assert.Contains("\"epochs\": 2", File.ReadAllText(Path.Combine(work, "run", "config.json")));
    }

    static readonly TrainConfig Run = new() { Task = "delay", Model = "lmu", Order = 8, Theta = 20, Hidden = 1, Epochs = 5, BatchSize = 4, LearningRate = 0.1, Threads = 1 };

    [Fact]
    public void Options_given_with_the_runs_own_values_or_not_given_are_no_conflict()
    {
        var requested = Run with { Order = 99, Seed = 7 }; // not given: ignored
        var (config, changes) = TrainOptions.Reconcile("dir", Run, requested with { Order = 8 }, new HashSet<string> { "--order" }, 2);
        Assert.Equal(Run, config);
        Assert.Empty(changes);
    }

    [Fact]
    public void Threads_and_epochs_change_and_epochs_below_the_epochs_done_are_refused()
    {
        var (config, changes) = TrainOptions.Reconcile("dir", Run, Run with { Threads = 2, Epochs = 9 }, new HashSet<string> { "--threads", "--epochs" }, 2);
        Assert.Equal(Run with { Threads = 2, Epochs = 9 }, config);
        Assert.Equal(["--epochs 5 → 9", "--threads 1 → 2"], changes);
        var e = Assert.Throws<UserError>(() => TrainOptions.Reconcile("dir", Run, Run with { Epochs = 1 }, new HashSet<string> { "--epochs" }, 2));
        Assert.Contains("--epochs 1 is fewer than the 2 epochs 'dir' has done", e.Message);
        Assert.Equal(["--epochs", "--threads"], TrainOptions.Changeable);
    }
}
