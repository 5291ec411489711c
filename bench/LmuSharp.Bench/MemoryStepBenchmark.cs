using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using LmuSharp.Memory;

namespace LmuSharp.Bench;

/// <summary>
/// One step of the streaming Legendre memory (double precision): m ← Ā m + B̄ u, a d × d
/// matrix–vector product, 2d² + 2d flops. Run together with <see cref="PeakFmaBenchmark"/>:
/// <c>--filter '*MemoryStep*' '*PeakFma*'</c>.
/// </summary>
[Config(typeof(GflopsConfig))]
public class MemoryStepBenchmark : IFlopCount
{
    [Params(64, 256)]
    public int Order;

    LegendreMemory _memory = null!;

    public double FlopsPerOperation(BenchmarkCase benchmark) => 2.0 * Order * Order + 2.0 * Order;

    [GlobalSetup]
    public void Setup() => _memory = new LegendreMemory(Order, 1000);

    [Benchmark]
    public void Step() => _memory.Step(0.25);
}
