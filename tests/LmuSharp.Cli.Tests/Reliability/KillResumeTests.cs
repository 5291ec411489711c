using System.Diagnostics;

namespace LmuSharp.Cli.Tests.Reliability;

/// <summary>
/// kill -9 at seeded random moments of training, and halfway through checkpoint writes, each followed by --resume: the
/// finished run's metrics.jsonl equals an uninterrupted run's, every epoch exactly once. Every other attempt kills itself
/// halfway through its second checkpoint write (LMU_TEST_CHECKPOINT_WRITE_KILL), so that kills inside a write do not
/// depend on the machine's load; the others are killed from outside at a random moment, while writes pause halfway.
/// </summary>
public class KillResumeTests
{
    const int Epochs = 6;

    // Every checkpoint write pauses this long halfway, so that a kill from outside often lands inside one.
    static readonly Dictionary<string, string> SlowWrites = new() { ["LMU_TEST_CHECKPOINT_WRITE_PAUSE_MS"] = "150" };

    // The process kills itself (SIGKILL) halfway through its second checkpoint write.
    static readonly Dictionary<string, string> DieInSecondWrite = new() { ["LMU_TEST_CHECKPOINT_WRITE_KILL"] = "2" };

    [Fact]
    public async Task Kill_9_at_random_moments_then_resume_gives_the_uninterrupted_runs_epochs_exactly_once()
    {
        var work = LmuProcess.TempDirectory();
        var straight = TinyRun.Train(work, "straight", "--epochs", $"{Epochs}");
        Assert.True(straight.ExitCode == 0, straight.Stderr);

        var random = new Random(13);
        var dir = Path.Combine(work, "killed");
        int kills = 0, midWrite = 0;
        for (int attempt = 0; attempt < 10 && (kills < 4 || midWrite < 2); attempt++)
        {
            if (attempt % 2 == 0)
            {
                var died = LmuProcess.Run(work, DieInSecondWrite, Args(dir));
                if (died.ExitCode == 0) break; // finished before its second write: nothing left to interrupt
                kills++;
                if (Directory.EnumerateFiles(dir, "*.ckpt.*.tmp").Any()) midWrite++;
                continue;
            }
            using var process = LmuProcess.Start(work, SlowWrites, Args(dir));
            _ = process.StandardOutput.ReadToEndAsync();
            var training = TrainingStarted(process);
            // Kill at a random moment after training starts (startup time varies with the machine's load).
            bool started;
            try { started = await training.WaitAsync(TimeSpan.FromMinutes(2)); }
            catch (TimeoutException) { started = false; }
            if (!started || process.WaitForExit(random.Next(700))) break; // finished: nothing left to interrupt
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            kills++;
            if (Directory.Exists(dir) && Directory.EnumerateFiles(dir, "*.ckpt.*.tmp").Any()) midWrite++;
        }

        var final = LmuProcess.Run(work, Args(dir));
        Assert.True(final.ExitCode == 0, final.Stderr);
        Assert.True(kills >= 3 && midWrite >= 1, $"{kills} kills, {midWrite} inside a checkpoint write");
        Console.WriteLine($"kill -9: {kills} kills, {midWrite} inside a checkpoint write, then a final resume");
        Assert.Equal(TinyRun.Metrics(work, "straight"), TinyRun.Metrics(work, "killed"));
        Assert.Empty(Directory.EnumerateFiles(dir, "*.tmp"));
    }

    /// <summary>Completes with true once the process prints its model line (training begins), false if it ends first; drains stderr to the end.</summary>
    static Task<bool> TrainingStarted(Process process)
    {
        var started = new TaskCompletionSource<bool>();
        _ = Task.Run(() =>
        {
            string? line;
            while ((line = process.StandardError.ReadLine()) is not null)
                if (line.Contains(" parameters · ")) started.TrySetResult(true);
            started.TrySetResult(false);
        });
        return started.Task;
    }

    /// <summary>A fresh start until a checkpoint exists, then --resume.</summary>
    static string[] Args(string dir) =>
        File.Exists(Path.Combine(dir, "last.ckpt")) || File.Exists(Path.Combine(dir, "previous.ckpt"))
            ? ["train", "delay", "-o", dir, "--resume", "--json"]
            : TinyRun.Args(dir, "--epochs", $"{Epochs}");
}
