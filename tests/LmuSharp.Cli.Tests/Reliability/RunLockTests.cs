namespace LmuSharp.Cli.Tests.Reliability;

/// <summary>One process owns a run directory: a second trainer, fresh or resuming, is refused naming the owner.</summary>
public class RunLockTests
{
    [Fact]
    public void A_second_trainer_on_a_run_directory_in_use_is_refused_naming_the_owner()
    {
        var work = LmuProcess.TempDirectory();
        using var owner = LmuProcess.Start(work, null, TinyRun.Args("run", "--epochs", "1000"));
        try
        {
            owner.StandardOutput.ReadToEndAsync();
            owner.StandardError.ReadToEndAsync();
            var ownerFile = Path.Combine(work, "run", "run.owner");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!File.Exists(ownerFile) && !owner.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Assert.False(owner.HasExited, "the first trainer ended early");

            foreach (var args in new[] { TinyRun.Args("run", "--epochs", "1000"), ["train", "delay", "-o", "run", "--resume"] })
            {
                var line = TinyRun.OneLineError(LmuProcess.Run(work, args));
                Assert.Contains("'run' is in use by another lmu train", line);
                Assert.Contains($"process id {owner.Id}", line);
            }
            Assert.False(owner.HasExited, "the first trainer must still be running");
        }
        finally
        {
            owner.Kill(entireProcessTree: true);
            owner.WaitForExit();
        }
    }
}
