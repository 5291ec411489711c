using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using LmuSharp.Torch.Recurrence;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Bench.Recurrence;

/// <summary>
/// Scan kernel throughput (float32, a of full shape, no h0) against a plain memory copy in the same process.
/// Forward reads a, x and writes h (12 bytes an element); backward reads ∂L/∂h, a, h and writes ∂L/∂x,
/// ∂L/∂a (20 bytes); the copy reads x and writes h (8 bytes). Outputs are preallocated: the kernel alone.
/// </summary>
[Config(typeof(ScanConfig))]
public unsafe class ScanBenchmarks
{
    [Params("8x8192x1536", "1x1048576x64")]
    public string Shape { get; set; } = "";

    Tensor x = null!, a = null!, h = null!, gradH = null!, gradX = null!, gradA = null!;
    ScanGeometry geometry;

    [GlobalSetup]
    public void Setup()
    {
        var (b, t, c) = Recurrence.Shape.Parse(Shape);
        geometry = new ScanGeometry(b, t, c, ABatch: true, ATime: true, Reverse: false);
        x = randn(b, t, c);
        a = rand(b, t, c);
        gradH = randn(b, t, c);
        (h, gradX, gradA) = (zeros(b, t, c), zeros(b, t, c), zeros(b, t, c)); // touched once here, not in the timing
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { x, a, h, gradH, gradX, gradA }) t.Dispose();
    }

    [Benchmark(Baseline = true), BytesPerElement(8)]
    public void Copy() => h.copy_(x);

    [Benchmark, BytesPerElement(12)]
    public void Forward() => LinearRecurrenceKernel.Forward(geometry, P(x), P(a), null, P(h));

    [Benchmark, BytesPerElement(20)]
    public void Backward() => LinearRecurrenceKernel.Backward(geometry, P(gradH), P(a), P(h), null, P(gradX), P(gradA), null);

    static float* P(Tensor t) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(t.bytes)));
}
