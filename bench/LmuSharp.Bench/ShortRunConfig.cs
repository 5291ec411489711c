using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace LmuSharp.Bench;

/// <summary>
/// A short job for a shared machine: 1 launch, 3 warm-ups, then many short iterations (30 × 25 ms), so the
/// fastest iteration (the Min column) is likely to have run undisturbed by other processes.
/// </summary>
public sealed class ShortRunConfig : ManualConfig
{
    /// <summary>Creates the configuration.</summary>
    public ShortRunConfig()
    {
        AddJob(Job.ShortRun.WithIterationCount(30).WithIterationTime(TimeInterval.FromMilliseconds(25)));
        AddColumn(StatisticColumn.Min);
    }
}
