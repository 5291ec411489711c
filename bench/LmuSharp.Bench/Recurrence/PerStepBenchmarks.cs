using BenchmarkDotNet.Attributes;
using LmuSharp.Torch.Recurrence;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Bench.Recurrence;

/// <summary>
/// The same recurrence written as per-step TorchSharp operations (h = a_t ⊙ h + x_t; h stored per step),
/// against <see cref="LinearRecurrence.apply(Tensor, Tensor, Tensor?, bool)"/> on the same, shorter sequences.
/// Compare the Gelem/s columns.
/// </summary>
[Config(typeof(ScanConfig))]
public class PerStepBenchmarks
{
    [Params("8x256x1536", "1x4096x64")]
    public string Shape { get; set; } = "";

    Tensor x = null!, a = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (b, t, c) = Recurrence.Shape.Parse(Shape);
        (x, a) = (randn(b, t, c), rand(b, t, c));
    }

    [GlobalCleanup]
    public void Cleanup() { x.Dispose(); a.Dispose(); }

    [Benchmark(Baseline = true), BytesPerElement(12)]
    public void PerStepTorch()
    {
        using var scope = NewDisposeScope();
        var h = zeros_like(x);
        var state = zeros(x.size(0), x.size(2));
        for (long t = 0; t < x.size(1); t++)
        {
            state = a.select(1, t) * state + x.select(1, t);
            h.select(1, t).copy_(state);
        }
    }

    [Benchmark, BytesPerElement(12)]
    public void Scan()
    {
        using var scope = NewDisposeScope();
        LinearRecurrence.apply(x, a);
    }
}
