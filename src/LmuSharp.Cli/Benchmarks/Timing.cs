using System.Diagnostics;
using LmuSharp.Cli.Benchmarks.Workloads;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>How long to measure one thing: warm-up runs, then timed runs until either limit is reached.</summary>
/// <param name="Warmup">Untimed runs first (JIT, caches, allocator); fewer when they exceed <paramref name="MaxSeconds"/>.</param>
/// <param name="MaxRuns">At most this many timed runs.</param>
/// <param name="MaxSeconds">Stop timing once this much wall time has been spent (after at least one timed run).</param>
sealed record Budget(int Warmup, int MaxRuns, double MaxSeconds)
{
    /// <summary>The default budget of a full (or <c>--quick</c>) run.</summary>
    public static Budget For(bool quick) => quick ? new(1, 3, 0.3) : new(2, 15, 3);
}

/// <summary>Wall-clock times of one measured action, in seconds.</summary>
/// <param name="Median">The median of the timed runs: the figure reported.</param>
/// <param name="Min">The fastest timed run.</param>
/// <param name="Runs">How many runs were timed.</param>
sealed record Measurement(double Median, double Min, int Runs);

/// <summary>
/// A small Stopwatch harness for the in-process `lmu bench` (BenchmarkDotNet, in bench/, is for the careful
/// numbers): warm up, then time repeated runs within a budget and keep the median, which shrugs off the
/// occasional slow run on a shared machine.
/// </summary>
static class Timing
{
    /// <summary>Times the workload's <see cref="IWorkload.Step"/>; its <see cref="IWorkload.Prepare"/> and <see cref="IWorkload.Release"/> run around each run, untimed.</summary>
    public static Measurement Measure(IWorkload workload, Budget budget) => Measure(workload.Step, budget, workload.Prepare, workload.Release);

    /// <summary>Times <paramref name="timed"/>; <paramref name="prepare"/> and <paramref name="cleanup"/> run around each run, untimed.</summary>
    public static Measurement Measure(Action timed, Budget budget, Action? prepare = null, Action? cleanup = null)
    {
        var total = Stopwatch.StartNew();
        for (int i = 0; i < budget.Warmup && (i == 0 || total.Elapsed.TotalSeconds < budget.MaxSeconds); i++) Run(timed, prepare, cleanup);
        var times = new List<double>();
        total.Restart();
        while (times.Count < budget.MaxRuns && (times.Count == 0 || total.Elapsed.TotalSeconds < budget.MaxSeconds))
            times.Add(Run(timed, prepare, cleanup));
        times.Sort();
        int n = times.Count;
        double median = n % 2 == 1 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
        return new Measurement(median, times[0], n);
    }

    static double Run(Action timed, Action? prepare, Action? cleanup)
    {
        prepare?.Invoke();
        long start = Stopwatch.GetTimestamp();
        timed();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        cleanup?.Invoke();
        return seconds;
    }
}
