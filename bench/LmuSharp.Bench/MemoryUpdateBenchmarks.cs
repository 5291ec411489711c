using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using LmuSharp.Memory;
using LmuSharp.Runtime;

namespace LmuSharp.Bench;

/// <summary>
/// The memory update m ← Ā m + B̄ u (a d × d mat-vec per row) of the runtime against a plain scalar loop, and
/// an FMA-bound kernel (12 independent vector FMA chains, no memory traffic) measuring one core's peak in the same run.
/// The GFLOP/s column counts 2d² + 2d flops per row (useful work only, not the zero padding).
/// </summary>
[Config(typeof(MemoryUpdateBenchmarks.GflopsConfig))]
public class MemoryUpdateBenchmarks
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
        _scratch = new float[Rows * _memory.Padded];
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

    /// <summary>FMA peak: 12 independent 256-bit FMA chains (Zen 4 executes two 256-bit FMAs per cycle).</summary>
    [Benchmark]
    public float FmaPeak256() => Peak256(PeakIterations);

    /// <summary>FMA peak with 512-bit vectors (one per cycle on Zen 4; two on server Intel parts).</summary>
    [Benchmark]
    public float FmaPeak512() => Peak512(PeakIterations);

    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Peak256(int n)
    {
        var a = Vector256.Create(0.999f);
        var b = Vector256.Create(1e-3f);
        Vector256<float> c0 = default, c1 = c0 + b, c2 = c1 + b, c3 = c2 + b, c4 = c3 + b, c5 = c4 + b;
        Vector256<float> c6 = c5 + b, c7 = c6 + b, c8 = c7 + b, c9 = c8 + b, c10 = c9 + b, c11 = c10 + b;
        for (int i = 0; i < n; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, a, b); c1 = Vector256.FusedMultiplyAdd(c1, a, b);
            c2 = Vector256.FusedMultiplyAdd(c2, a, b); c3 = Vector256.FusedMultiplyAdd(c3, a, b);
            c4 = Vector256.FusedMultiplyAdd(c4, a, b); c5 = Vector256.FusedMultiplyAdd(c5, a, b);
            c6 = Vector256.FusedMultiplyAdd(c6, a, b); c7 = Vector256.FusedMultiplyAdd(c7, a, b);
            c8 = Vector256.FusedMultiplyAdd(c8, a, b); c9 = Vector256.FusedMultiplyAdd(c9, a, b);
            c10 = Vector256.FusedMultiplyAdd(c10, a, b); c11 = Vector256.FusedMultiplyAdd(c11, a, b);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static float Peak512(int n)
    {
        var a = Vector512.Create(0.999f);
        var b = Vector512.Create(1e-3f);
        Vector512<float> c0 = default, c1 = c0 + b, c2 = c1 + b, c3 = c2 + b, c4 = c3 + b, c5 = c4 + b;
        Vector512<float> c6 = c5 + b, c7 = c6 + b, c8 = c7 + b, c9 = c8 + b, c10 = c9 + b, c11 = c10 + b;
        for (int i = 0; i < n; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, a, b); c1 = Vector512.FusedMultiplyAdd(c1, a, b);
            c2 = Vector512.FusedMultiplyAdd(c2, a, b); c3 = Vector512.FusedMultiplyAdd(c3, a, b);
            c4 = Vector512.FusedMultiplyAdd(c4, a, b); c5 = Vector512.FusedMultiplyAdd(c5, a, b);
            c6 = Vector512.FusedMultiplyAdd(c6, a, b); c7 = Vector512.FusedMultiplyAdd(c7, a, b);
            c8 = Vector512.FusedMultiplyAdd(c8, a, b); c9 = Vector512.FusedMultiplyAdd(c9, a, b);
            c10 = Vector512.FusedMultiplyAdd(c10, a, b); c11 = Vector512.FusedMultiplyAdd(c11, a, b);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    static double Flops(BenchmarkCase benchmark)
    {
        string method = benchmark.Descriptor.WorkloadMethod.Name;
        if (method == nameof(FmaPeak256)) return 12.0 * 8 * 2 * PeakIterations;
        if (method == nameof(FmaPeak512)) return 12.0 * 16 * 2 * PeakIterations;
        double d = Convert.ToDouble(benchmark.Parameters[nameof(Order)]);
        return Convert.ToDouble(benchmark.Parameters[nameof(Rows)]) * (2 * d * d + 2 * d);
    }

    /// <summary>The short job of many short iterations plus the GFLOP/s columns (at the mean and in the fastest iteration).</summary>
    public sealed class GflopsConfig : ManualConfig
    {
        /// <summary>Creates the configuration.</summary>
        public GflopsConfig()
        {
            Add(new ShortRunConfig());
            AddColumn(new GflopsColumn(best: false), new GflopsColumn(best: true));
        }
    }

    /// <summary>
    /// GFLOP/s = flops per invocation / mean time, or / the fastest iteration's time (<paramref name="best"/>):
    /// on a shared machine the best iteration is the better estimate of what the code can do.
    /// </summary>
    sealed class GflopsColumn(bool best) : IColumn
    {
        public string Id => best ? "GFLOPsBest" : "GFLOPs";
        public string ColumnName => best ? "GFLOP/s (Min)" : "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => best ? "Useful GFLOP/s in the fastest iteration" : "Useful GFLOP/s (10⁹ floating-point operations per second) at the mean time";
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public bool IsAvailable(Summary summary) => true;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var statistics = summary[benchmarkCase]?.ResultStatistics;
            return statistics is null ? "-" : (Flops(benchmarkCase) / (best ? statistics.Min : statistics.Mean)).ToString("F1");
        }
    }
}
