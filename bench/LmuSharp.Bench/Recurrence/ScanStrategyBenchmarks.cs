using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using LmuSharp.Torch.Recurrence;
using static TorchSharp.torch;

namespace LmuSharp.Bench.Recurrence;

/// <summary>
/// Fewer sequences than cores: one core per sequence (ChannelBlocks) against the three-phase chunked scan
/// over time (TimeChunks), forward and backward, float32, with a plain copy as the bandwidth reference.
/// </summary>
[Config(typeof(ScanConfig))]
public unsafe class ScanStrategyBenchmarks
{
    [Params("1x1048576x64", "1x16777216x4")]
    public string Shape { get; set; } = "";

    [Params("ChannelBlocks", "TimeChunks")]
    public string Strategy { get; set; } = "";

    ScanStrategy strategy;

    Tensor x = null!, a = null!, h = null!, gradH = null!, gradX = null!, gradA = null!;
    ScanGeometry geometry;

    [GlobalSetup]
    public void Setup()
    {
        var (b, t, c) = Recurrence.Shape.Parse(Shape);
        geometry = new ScanGeometry(b, t, c, ABatch: true, ATime: true, Reverse: false);
        strategy = Enum.Parse<ScanStrategy>(Strategy);
        (x, a, gradH) = (randn(b, t, c), rand(b, t, c), randn(b, t, c));
        (h, gradX, gradA) = (zeros(b, t, c), zeros(b, t, c), zeros(b, t, c));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { x, a, h, gradH, gradX, gradA }) t.Dispose();
    }

    [Benchmark(Baseline = true), BytesPerElement(8)]
    public void Copy() => h.copy_(x);

    [Benchmark, BytesPerElement(12)]
    public void Forward() => LinearRecurrenceKernel.Forward(geometry, P(x), P(a), null, P(h), strategy);

    [Benchmark, BytesPerElement(20)]
    public void Backward() => LinearRecurrenceKernel.Backward(geometry, P(gradH), P(a), P(h), null, P(gradX), P(gradA), null, strategy);

    static float* P(Tensor t) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(t.bytes)));
}
