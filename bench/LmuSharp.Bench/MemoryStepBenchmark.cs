using BenchmarkDotNet.Attributes;
using LmuSharp.Cli.Benchmarks;
using BenchmarkDotNet.Running;
using LmuSharp.Memory;

namespace LmuSharp.Bench;

/// <summary>
/// One step of the streaming double-precision Legendre memory (src/LmuSharp): m ← Ā m + B̄ u, a d × d
/// matrix–vector product, 2d² + 2d flops, next to the FMA peak measured in the same run.
/// </summary>
[Config(typeof(GflopsConfig))]
public class MemoryStepBenchmark : IFlopCount
{
    const int PeakIterations = 1 << 20;
    LegendreMemory _memory = null!;

    /// <summary>The order d.</summary>
    [Params(64, 256)]
    public int Order { get; set; }

    /// <inheritdoc/>
    public double FlopsPerOperation(BenchmarkCase benchmark) => benchmark.Descriptor.WorkloadMethod.Name == nameof(FmaPeak512)
        ? 2.0 * FmaPeak.Chains * 16 * PeakIterations
        : 2.0 * OrderOf(benchmark) * OrderOf(benchmark) + 2.0 * OrderOf(benchmark);

    static double OrderOf(BenchmarkCase benchmark) => Convert.ToDouble(benchmark.Parameters[nameof(Order)]);

    /// <summary>An order-d memory with θ = 1000.</summary>
    [GlobalSetup]
    public void Setup() => _memory = new LegendreMemory(Order, 1000);

    /// <summary>One step.</summary>
    [Benchmark]
    public void Step() => _memory.Step(0.25);

    /// <summary>The float FMA peak (double peak is half of it).</summary>
    [Benchmark]
    public float FmaPeak512() => FmaPeak.Peak512(PeakIterations);
}
