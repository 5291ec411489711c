using BenchmarkDotNet.Attributes;
using LmuSharp.Cli.Benchmarks.Workloads;

namespace LmuSharp.Bench.Recurrence;

/// <summary>
/// The `lmu bench` scan workloads (<see cref="Scan"/>) under BenchmarkDotNet: the recurrence as per-step TorchSharp
/// operations against <see cref="LmuSharp.Torch.Recurrence.LinearRecurrence"/> on the same sequences. Compare the Gelem/s columns.
/// </summary>
[Config(typeof(ScanConfig))]
public class PerStepBenchmarks
{
    Scan _perStep = null!, _scan = null!;

    /// <summary>batch x time x channels.</summary>
    [Params("8x256x1536", "1x4096x64")]
    public string Shape { get; set; } = "";

    /// <summary>Builds both workloads on random inputs of the shape.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var (b, t, c) = Recurrence.Shape.Parse(Shape);
        _perStep = new Scan(ScanPath.PerStepOps, b, t, c);
        _scan = new Scan(ScanPath.Forward, b, t, c);
    }

    /// <summary>Frees the inputs.</summary>
    [GlobalCleanup]
    public void Cleanup() { _perStep.Dispose(); _scan.Dispose(); }

    /// <summary>h = a_t ⊙ h + x_t as tensor operations, one time step at a time.</summary>
    [Benchmark(Baseline = true), BytesPerElement(12)]
    public void PerStepTorch() => _perStep.Step();

    /// <summary>The scan, forward.</summary>
    [Benchmark, BytesPerElement(12)]
    public void Scan() => _scan.Step();
}
