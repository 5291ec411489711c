using System.Diagnostics;

namespace LmuSharp.Cli.Tests;

/// <summary>Runs the built `lmu` tool as a separate process, as a user would.</summary>
static class LmuProcess
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    /// <summary>The tool under test: the built lmu.dll, or another build named by LMU_TEST_TOOL (to run the tests against an older build).</summary>
    static string Tool => Environment.GetEnvironmentVariable("LMU_TEST_TOOL") is { Length: > 0 } other ? other : Path.Combine(AppContext.BaseDirectory, "lmu.dll");

    /// <summary>Starts `lmu` with its output redirected, with extra environment variables.</summary>
    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        info.ArgumentList.Add(Tool);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        return Process.Start(info)!;
    }

    public static Outcome Run(string workingDirectory, params string[] args) => Run(workingDirectory, null, args);

    /// <summary>Runs `lmu` with extra environment variables until it exits (it may kill itself).</summary>
    public static Outcome Run(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var process = Start(workingDirectory, environment, args);
        process.StandardInput.Close(); // nothing on stdin
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
