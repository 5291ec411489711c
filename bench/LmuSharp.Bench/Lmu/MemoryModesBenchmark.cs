using BenchmarkDotNet.Attributes;
using LmuSharp.Cli.Benchmarks.Workloads;
using TorchSharp;

namespace LmuSharp.Bench.Lmu;

/// <summary>
/// The `lmu bench` memory workload (<see cref="MemoryForward"/>: return_sequences, order 256, θ = 1,000, batch 4, forward
/// only) under BenchmarkDotNet, with "auto" as a mode of its own. Adds what `lmu bench` does not measure: each mode's
/// peak resident-memory growth next to the output's size, printed in the setup log.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class MemoryModesBenchmark
{
    MemoryForward _forward = null!;

    /// <summary>Sequence length.</summary>
    [Params(100, 1000, 10000)]
    public int T { get; set; }

    /// <summary>fft, raw, chunked, auto or sequential.</summary>
    [Params("fft", "raw", "chunked", "auto", "sequential")]
    public string Mode { get; set; } = "";

    /// <summary>Builds the layer and the input; reports the peak memory of one forward pass.</summary>
    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1); // the machine is shared: one thread gives steadier ratios
        _forward = new MemoryForward(Mode, T);
        _forward.Step();
        long peak = PeakMemory.Measure(_forward.Step);
        double output = _forward.OutputBytes;
        Console.WriteLine($"// memory [{Mode}, T = {T}, resolved mode {_forward.Mode}]: peak growth {peak / 1048576.0:F1} MiB = {peak / output:F2} × output ({output / 1048576.0:F1} MiB)");
    }

    /// <summary>One forward pass without autograd.</summary>
    [Benchmark]
    public void Forward() => _forward.Step();

    /// <summary>Frees the layer and the input.</summary>
    [GlobalCleanup]
    public void Cleanup() => _forward.Dispose();
}
