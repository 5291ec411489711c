namespace LmuSharp.Cli.Benchmarks;

/// <summary>
/// The process's peak resident memory over a stretch of work, from Linux's /proc: writing "5" to
/// /proc/self/clear_refs resets the high-water mark VmHWM of /proc/self/status to the current resident size
/// (proc(5)). No package reads it; .NET's Process.PeakWorkingSet64 is the same VmHWM but cannot reset it.
/// </summary>
static class PeakMemory
{
    /// <summary>Starts a new high-water mark; false where /proc does not support it (not Linux).</summary>
    public static bool Reset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Peak resident bytes since the last <see cref="Reset"/> (or the process start); null when unknown.</summary>
    public static long? Bytes()
    {
        if (!File.Exists("/proc/self/status")) return null;
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024; // "VmHWM:  123 kB"
    }
}
