using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace LmuSharp.Bench;

/// <summary>A short job (the machine is shared): 1 launch, 3 warm-up and 5 measured iterations.</summary>
public sealed class ShortRunConfig : ManualConfig
{
    /// <summary>Creates the configuration.</summary>
    public ShortRunConfig() => AddJob(Job.ShortRun.WithIterationCount(5));
}
