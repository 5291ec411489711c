using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace LmuSharp.Bench;

/// <summary>A benchmark class that knows how many floating-point operations one invocation does.</summary>
public interface IFlopCount
{
    /// <summary>Flops of one operation of <paramref name="benchmark"/> (a fresh instance; parameters are set).</summary>
    double FlopsPerOperation(BenchmarkCase benchmark);
}

/// <summary>Adds a GFLOP/s column: flops per operation / mean time per operation.</summary>
public sealed class GflopsColumn : IColumn
{
    public string Id => nameof(GflopsColumn);
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Billions of floating-point operations per second (FMA = 2)";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is null || Activator.CreateInstance(benchmarkCase.Descriptor.Type) is not IFlopCount counter) return "-";
        foreach (var p in benchmarkCase.Parameters.Items)
            benchmarkCase.Descriptor.Type.GetField(p.Name)?.SetValue(counter, p.Value);
        double nanoseconds = report.ResultStatistics.Mean;
        return (counter.FlopsPerOperation(benchmarkCase) / nanoseconds).ToString("F2");
    }
}

/// <summary>Short runs (the suite must finish in minutes on 2 cores) with the GFLOP/s column.</summary>
public sealed class GflopsConfig : ManualConfig
{
    public GflopsConfig()
    {
        AddJob(Job.ShortRun);
        AddColumn(new GflopsColumn());
    }
}
