using System.Diagnostics;

namespace LmuSharp.Cli.Tests;

/// <summary>Runs the built `lmu` tool as a separate process, as a user would.</summary>
static class LmuProcess
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    public static Outcome Run(string workingDirectory, params string[] args)
    {
        var tool = Path.Combine(AppContext.BaseDirectory, "lmu.dll");
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(tool);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5))) { process.Kill(true); throw new TimeoutException($"lmu {string.Join(' ', args)} did not finish in 5 minutes."); }
        return new Outcome(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static string TempDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "lmu-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
