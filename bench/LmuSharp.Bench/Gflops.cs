using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace LmuSharp.Bench;

/// <summary>A benchmark class that knows how many floating-point operations one invocation does.</summary>
public interface IFlopCount
{
    /// <summary>Useful flops of one invocation of <paramref name="benchmark"/> (read its parameters from the case).</summary>
    double FlopsPerOperation(BenchmarkCase benchmark);
}

/// <summary>
/// GFLOP/s = flops per invocation / mean time, or / the fastest iteration's time (<paramref name="best"/>):
/// on a shared machine the fastest iteration is the better estimate of what the code can do.
/// </summary>
public sealed class GflopsColumn(bool best) : IColumn
{
    /// <inheritdoc/>
    public string Id => best ? "GFLOPsBest" : "GFLOPs";
    /// <inheritdoc/>
    public string ColumnName => best ? "GFLOP/s (Min)" : "GFLOP/s";
    /// <inheritdoc/>
    public bool AlwaysShow => true;
    /// <inheritdoc/>
    public ColumnCategory Category => ColumnCategory.Custom;
    /// <inheritdoc/>
    public int PriorityInCategory => 0;
    /// <inheritdoc/>
    public bool IsNumeric => true;
    /// <inheritdoc/>
    public UnitType UnitType => UnitType.Dimensionless;
    /// <inheritdoc/>
    public string Legend => best ? "Useful GFLOP/s in the fastest iteration" : "Useful GFLOP/s (FMA = 2 flops) at the mean time";
    /// <inheritdoc/>
    public bool IsAvailable(Summary summary) => true;
    /// <inheritdoc/>
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc/>
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        if (statistics is null || Activator.CreateInstance(benchmarkCase.Descriptor.Type) is not IFlopCount counter) return "-";
        return (counter.FlopsPerOperation(benchmarkCase) / (best ? statistics.Min : statistics.Mean)).ToString("F1");
    }
}

/// <summary>The short job of many short iterations (<see cref="ShortRunConfig"/>) plus both GFLOP/s columns.</summary>
public sealed class GflopsConfig : ManualConfig
{
    /// <summary>Creates the configuration.</summary>
    public GflopsConfig()
    {
        Add(new ShortRunConfig());
        AddColumn(new GflopsColumn(best: false), new GflopsColumn(best: true));
    }
}
