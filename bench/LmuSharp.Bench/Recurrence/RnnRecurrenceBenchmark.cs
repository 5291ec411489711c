using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using LmuSharp.Cli.Benchmarks;
using LmuSharp.Torch;
using LmuSharp.Torch.Recurrence;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Bench.Recurrence;

/// <summary>
/// Forward + backward of the Elman recurrence h_t = tanh(a_t + W h_{t−1}) (<see cref="RnnRecurrence"/>): the fused C#
/// kernel against the same recurrence stepped in TorchSharp operations under autograd, next to one core's float32 FMA
/// peak measured in the same run. Useful flops: 2·N·T·H² forward, 4·N·T·H² backward (the carry and ∂W).
/// </summary>
[Config(typeof(GflopsConfig))]
public class RnnRecurrenceBenchmark : IFlopCount
{
    const int PeakIterations = 1 << 20;
    Tensor _a = null!, _w = null!;

    /// <summary>N×T×H: the 2019 psMNIST LMU's hidden cell at batch 100, and a small batch.</summary>
    [Params("100x784x212", "8x1000x128")]
    public string Shape { get; set; } = "";

    /// <inheritdoc/>
    public double FlopsPerOperation(BenchmarkCase benchmark)
    {
        if (benchmark.Descriptor.WorkloadMethod.Name == nameof(FmaPeak512)) return 2.0 * FmaPeak.Chains * 16 * PeakIterations;
        var (n, t, h) = Recurrence.Shape.Parse((string)benchmark.Parameters[nameof(Shape)]);
        return 6.0 * n * t * h * h;
    }

    /// <summary>a ~ N(0, 1), W scaled to gain 1.</summary>
    [GlobalSetup]
    public void Setup()
    {
        manual_seed(0);
        var (n, t, h) = Recurrence.Shape.Parse(Shape);
        _a = randn(n, t, h).requires_grad_(true);
        _w = (randn(h, h) / Math.Sqrt(h)).requires_grad_(true);
    }

    /// <summary>Releases the tensors.</summary>
    [GlobalCleanup]
    public void Cleanup() { _a.Dispose(); _w.Dispose(); }

    /// <summary>The recurrence stepped with TorchSharp ops (addmm + tanh per step), backward by autograd.</summary>
    [Benchmark(Baseline = true)]
    public void TensorOps() => Run(ScanImplementation.TensorOps);

    /// <summary>The fused kernel, forward and backward.</summary>
    [Benchmark]
    public void Kernel() => Run(ScanImplementation.Kernel);

    /// <summary>One core's float FMA peak.</summary>
    [Benchmark]
    public float FmaPeak512() => FmaPeak.Peak512(PeakIterations);

    void Run(ScanImplementation implementation)
    {
        using var scope = NewDisposeScope();
        _a.grad?.zero_();
        _w.grad?.zero_();
        RnnRecurrence.apply(_a, _w, null, Activation.Tanh, implementation).sum().backward();
    }
}
