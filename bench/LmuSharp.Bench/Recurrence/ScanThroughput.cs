using System.Reflection;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace LmuSharp.Bench.Recurrence;

/// <summary>Bytes a benchmark method reads plus writes per element of x (for the GB/s column).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BytesPerElementAttribute(int bytes) : Attribute
{
    /// <summary>Bytes read plus written per element.</summary>
    public int Bytes { get; } = bytes;
}

/// <summary>Short in-process runs (the machine is shared) with element and byte throughput columns.</summary>
public sealed class ScanConfig : ManualConfig
{
    public ScanConfig()
    {
        AddJob(Job.Default.WithStrategy(RunStrategy.Monitoring).WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(9)
            .WithToolchain(InProcessEmitToolchain.Instance));
        AddColumn(new ThroughputColumn(bytes: false), new ThroughputColumn(bytes: true));
        AddColumn(StatisticColumn.Median, StatisticColumn.Min);
    }
}

/// <summary>Elements of x per second (G/s), or bytes read plus written per second (GB/s), from the mean time.</summary>
public sealed class ThroughputColumn(bool bytes) : IColumn
{
    public string Id => bytes ? "GBps" : "Gelemps";
    public string ColumnName => bytes ? "GB/s" : "Gelem/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => bytes ? 1 : 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => bytes ? "Bytes read plus written per second, 1e9" : "Elements of x per second, 1e9";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (mean is null) return "-";
        var elements = Shape.Elements((string)benchmarkCase.Parameters["Shape"]);
        var perSecond = elements / (mean.Value * 1e-9);
        if (!bytes) return (perSecond / 1e9).ToString("F3");
        var perElement = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttribute<BytesPerElementAttribute>()?.Bytes;
        return perElement is null ? "-" : (perSecond * perElement.Value / 1e9).ToString("F2");
    }
}

/// <summary>Shapes written "batch x time x channels".</summary>
public static class Shape
{
    public static (int Batch, int Time, int Channels) Parse(string shape)
    {
        var p = shape.Split('x').Select(int.Parse).ToArray();
        return (p[0], p[1], p[2]);
    }

    public static long Elements(string shape)
    {
        var (b, t, c) = Parse(shape);
        return (long)b * t * c;
    }
}
