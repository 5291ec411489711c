using System.Diagnostics;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>One thread count's figures from a peer script.</summary>
/// <param name="Threads">The peer's torch.set_num_threads.</param>
/// <param name="MsPerStep">Median milliseconds per training step.</param>
/// <param name="EpochSeconds">Seconds for one whole epoch.</param>
/// <param name="SamplesPerSecond">Samples per second over that epoch.</param>
sealed record PeerResult(int Threads, double MsPerStep, double EpochSeconds, double SamplesPerSecond);

/// <summary>
/// Runs a peer benchmark of bench/peers/ (a Python script timing the same model in PyTorch) with a Python that has
/// torch (LMU_PEER_PYTHON, else Debian's /usr/bin/python3 with python3-torch, else python3), and reads its JSON.
/// </summary>
static class PythonPeer
{
    /// <summary>The peer's results and torch version, or the reason it could not run (no script, no torch, a failure).</summary>
    public static (string Version, IReadOnlyList<PeerResult> Results)? Run(string script, out string? why)
    {
        why = null;
        var path = Find(script);
        if (path is null) { why = $"bench/peers/{script} not found (run lmu from the repository)"; return null; }
        var python = new[] { Environment.GetEnvironmentVariable("LMU_PEER_PYTHON"), "/usr/bin/python3", "python3" }
            .FirstOrDefault(p => p is not null && Execute(p, ["-c", "import torch"], TimeSpan.FromMinutes(1)).Code == 0);
        if (python is null) { why = "no Python with torch (on Debian: apt-get install python3-torch)"; return null; }
        var (code, output) = Execute(python, [path], TimeSpan.FromMinutes(20));
        if (code != 0) { why = $"{script} exited with {code}"; return null; }
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        var results = root.GetProperty("results").EnumerateArray().Select(r => new PeerResult(r.GetProperty("threads").GetInt32(),
            r.GetProperty("ms_per_step_median").GetDouble(), r.GetProperty("epoch_seconds").GetDouble(), r.GetProperty("samples_per_second").GetDouble())).ToList();
        return (root.GetProperty("version").GetString() ?? "?", results);
    }

    /// <summary>bench/peers/<paramref name="script"/> in the current directory or above the tool's own directory.</summary>
    static string? Find(string script)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "bench", "peers", script);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    static (int Code, string Output) Execute(string file, string[] arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout)) { process.Kill(entireProcessTree: true); return (-1, ""); }
            return (process.ExitCode, output.Result);
        }
        catch (System.ComponentModel.Win32Exception) { return (-1, ""); } // no such program
    }
}
