namespace LmuSharp.Bench.Lmu;

/// <summary>The process's resident-memory high-water mark (Linux /proc), reset before a measured action.</summary>
internal static class PeakMemory
{
    /// <summary>Runs <paramref name="action"/> and returns (peak RSS during it − RSS before it) in bytes; −1 where /proc is missing.</summary>
    public static long Measure(Action action)
    {
        if (!File.Exists("/proc/self/clear_refs")) { action(); return -1; }
        File.WriteAllText("/proc/self/clear_refs", "5"); // resets VmHWM to the current RSS
        long before = Read("VmRSS");
        action();
        return Read("VmHWM") - before;
    }

    static long Read(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
