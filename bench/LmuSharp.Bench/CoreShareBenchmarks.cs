using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using LmuSharp.Cli.Benchmarks;
using LmuSharp.Kernels;

namespace LmuSharp.Bench;

/// <summary>
/// One core's share of the two matrix products of a 64-stream psMNIST runtime step (M·Āᵀ at order 468, then the
/// hidden layer 468 → 346), on one thread, for the ways of sharing the step between two cores:
/// <c>Streams</c> (what <c>LmuBatch</c> does: 32 rows against all columns, so each core reads all 1.5 MB of packed
/// weights), <c>Columns</c> (64 rows against half the output columns, 0.76 MB of weights per core, the rest of the step
/// then waiting for the other core's half), and <c>Whole</c> (all 64 rows and columns: one thread's step).
/// Flops count the padded columns (the work done); FmaPeak512 is one core's peak in the same run.
/// </summary>
[Config(typeof(GflopsConfig))]
public class CoreShareBenchmarks : IFlopCount
{
    const int Order = 468, Hidden = 346, PeakIterations = 1 << 20;
    float[] _m = null!, _transition = null!, _hidden = null!, _products = null!;
    int _rows, _transitionColumns, _hiddenColumns;

    /// <summary>Streams, Columns or Whole.</summary>
    [Params("Streams", "Columns", "Whole")]
    public string Share { get; set; } = "";

    /// <summary>Packs random weights of the share's shape (values do not change the cost).</summary>
    [GlobalSetup]
    public void Setup()
    {
        _rows = Share == "Streams" ? 32 : 64;
        int halves = Share == "Columns" ? 2 : 1;
        _transitionColumns = PackedGemm.Padded(Order) / halves;
        _hiddenColumns = PackedGemm.Padded(Hidden) / halves;
        var random = new Random(4);
        float[] Random(int count) => Enumerable.Range(0, count).Select(_ => (float)random.NextDouble()).ToArray();
        _m = Random(_rows * Order);
        _transition = PackedGemm.Pack(Random(_transitionColumns * Order), _transitionColumns, Order);
        _hidden = PackedGemm.Pack(Random(_hiddenColumns * Order), _hiddenColumns, Order);
        _products = new float[_rows * (_transitionColumns + _hiddenColumns)];
    }

    /// <summary>M·Āᵀ, then M·W_hᵀ, for the share's rows and columns.</summary>
    [Benchmark]
    public unsafe void Products()
    {
        fixed (float* m = _m, transition = _transition, hidden = _hidden, products = _products)
        {
            PackedGemm.MultiplyRows(m, Order, _rows, Order, transition, _transitionColumns, products, _transitionColumns);
            PackedGemm.MultiplyRows(m, Order, _rows, Order, hidden, _hiddenColumns, products + _rows * _transitionColumns, _hiddenColumns);
        }
    }

    /// <summary>FMA peak with 512-bit vectors (src/LmuSharp.Cli/Benchmarks/FmaPeak.cs).</summary>
    [Benchmark]
    public float FmaPeak512() => FmaPeak.Peak512(PeakIterations);

    /// <inheritdoc/>
    public double FlopsPerOperation(BenchmarkCase benchmark)
    {
        if (benchmark.Descriptor.WorkloadMethod.Name == nameof(FmaPeak512)) return 2.0 * FmaPeak.Chains * 16 * PeakIterations;
        string share = (string)benchmark.Parameters[nameof(Share)];
        int rows = share == "Streams" ? 32 : 64, halves = share == "Columns" ? 2 : 1;
        return 2.0 * rows * Order * (PackedGemm.Padded(Order) + PackedGemm.Padded(Hidden)) / halves;
    }
}
