using BenchmarkDotNet.Attributes;
using LmuSharp.Cli.Benchmarks;
using BenchmarkDotNet.Running;
using LmuSharp.Memory;
using LmuSharp.Runtime;

namespace LmuSharp.Bench;

/// <summary>
/// The memory update m ← Ā m + B̄ u (a d × d mat-vec per row) of the runtime against a plain scalar loop, and
/// an FMA-bound kernel (12 independent vector FMA chains, no memory traffic) measuring one core's peak in the same run.
/// The GFLOP/s column counts 2d² + 2d flops per row (useful work only, not the zero padding).
/// </summary>
[Config(typeof(GflopsConfig))]
public class MemoryUpdateBenchmarks : IFlopCount
{
    const int PeakIterations = 1 << 20;
    MemoryStep _memory = null!;
    float[] _m = null!, _u = null!, _scratch = null!, _aBar = null!, _bBar = null!, _next = null!;

    /// <summary>The Legendre order d.</summary>
    [Params(256, 468)]
    public int Order { get; set; }

    /// <summary>Rows updated per call (streams × channels).</summary>
    [Params(1, 64)]
    public int Rows { get; set; }

    /// <summary>Builds Ā, B̄ (ZOH, θ = 784) and a random state.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var system = LegendreStateSpace.Discretize(Order, 784);
        _aBar = system.ABar.Cast<double>().Select(v => (float)v).ToArray();
        _bBar = system.BBar.Select(v => (float)v).ToArray();
        _memory = new MemoryStep(_aBar, _bBar, Order);
        var random = new Random(2);
        _m = Enumerable.Range(0, Rows * Order).Select(_ => (float)random.NextDouble()).ToArray();
        _u = Enumerable.Range(0, Rows).Select(_ => (float)random.NextDouble()).ToArray();
        _scratch = new float[Rows * _memory.ScratchSize];
        _next = new float[Order];
    }

    /// <summary>The runtime's memory update.</summary>
    [Benchmark]
    public void Runtime() => _memory.Step(_m, _u, Rows, _scratch);

    /// <summary>The textbook loop: next_i = Σ_j Ā_ij m_j + B̄_i u, row by row, scalar.</summary>
    [Benchmark(Baseline = true)]
    public void NaiveLoop()
    {
        int d = Order;
        for (int r = 0; r < Rows; r++)
        {
            var m = _m.AsSpan(r * d, d);
            for (int i = 0; i < d; i++)
            {
                float sum = _bBar[i] * _u[r];
                for (int j = 0; j < d; j++) sum += _aBar[i * d + j] * m[j];
                _next[i] = sum;
            }
            _next.CopyTo(m);
        }
    }

    /// <summary>FMA peak with 256-bit vectors (src/LmuSharp.Cli/Benchmarks/FmaPeak.cs).</summary>
    [Benchmark]
    public float FmaPeak256() => FmaPeak.Peak256(PeakIterations);

    /// <summary>FMA peak with 512-bit vectors.</summary>
    [Benchmark]
    public float FmaPeak512() => FmaPeak.Peak512(PeakIterations);

    /// <inheritdoc/>
    public double FlopsPerOperation(BenchmarkCase benchmark)
    {
        string method = benchmark.Descriptor.WorkloadMethod.Name;
        if (method == nameof(FmaPeak256)) return 2.0 * FmaPeak.Chains * 8 * PeakIterations;
        if (method == nameof(FmaPeak512)) return 2.0 * FmaPeak.Chains * 16 * PeakIterations;
        double d = Convert.ToDouble(benchmark.Parameters[nameof(Order)]);
        return Convert.ToDouble(benchmark.Parameters[nameof(Rows)]) * (2 * d * d + 2 * d);
    }
}
