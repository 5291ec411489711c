using System.Diagnostics;

namespace LmuSharp.Cli.Training;

/// <summary>
/// TorchSharp's intra-op thread count while training, set from how much of the machine other processes use. libtorch's
/// OpenMP threads wait for each other at the end of every parallel op; when another process holds one of their cores,
/// every op waits for the scheduler, and a two-thread step on two cores shared with one busy process runs many times
/// slower than a one-thread step. So every half second: threads = the cores other processes leave free (rounded, at
/// least 1, at most the maximum). Other processes' use is the machine's busy time (/proc/stat) minus this process's
/// own; where /proc/stat is missing (not Linux) the maximum is used unchanged.
/// </summary>
sealed class LoadAwareThreads
{
    const double Interval = 0.5; // seconds between decisions
    readonly int _maximum;
    readonly Stopwatch _clock = Stopwatch.StartNew();
    (double Busy, double Own) _last;
    bool _available;

    /// <summary>Starts at <paramref name="maximum"/> threads.</summary>
    /// <param name="maximum">The most threads to use (the machine's cores by default).</param>
    public LoadAwareThreads(int maximum)
    {
        _maximum = maximum;
        Threads = maximum;
        torch.set_num_threads(maximum);
        _available = TryRead(out _last);
    }

    /// <summary>The thread count in use.</summary>
    public int Threads { get; private set; }

    /// <summary>Call between steps: every half second, re-reads the load and changes the thread count if it should.</summary>
    public void Update()
    {
        if (!_available || _clock.Elapsed.TotalSeconds < Interval) return;
        double seconds = _clock.Elapsed.TotalSeconds;
        _clock.Restart();
        if (!(_available = TryRead(out var now))) return;
        double others = ((now.Busy - _last.Busy) - (now.Own - _last.Own)) / seconds; // cores used by other processes
        _last = now;
        int threads = Math.Clamp((int)Math.Floor(Environment.ProcessorCount - others + 0.25), 1, _maximum);
        if (threads == Threads) return;
        torch.set_num_threads(threads);
        Threads = threads;
    }

    /// <summary>The machine's busy CPU seconds (all cores, from /proc/stat) and this process's CPU seconds.</summary>
    static bool TryRead(out (double Busy, double Own) sample)
    {
        sample = default;
        try
        {
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(double.Parse).ToArray();
            double idle = fields[3] + fields[4]; // idle + iowait
            const double ticksPerSecond = 100;   // USER_HZ: /proc/stat counts in 1/100 s on every Linux ABI
            sample = ((fields.Take(8).Sum() - idle) / ticksPerSecond, Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException) { return false; }
    }
}
