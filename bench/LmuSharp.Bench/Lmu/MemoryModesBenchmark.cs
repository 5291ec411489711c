using BenchmarkDotNet.Attributes;
using LmuSharp.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Bench.Lmu;

/// <summary>
/// The memory of a whole sequence with return_sequences (forward only, no hidden cell): fft, raw, chunked and
/// sequential at order 256, θ = 1,000, batch 4, one memory channel, for T ∈ {100, 1,000, 10,000}; "auto" shows what
/// the layer picks by itself. Prints each mode's peak resident-memory growth next to the output's size.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class MemoryModesBenchmark
{
    Torch.Lmu _layer = null!;
    Tensor _x = null!;

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
        manual_seed(0);
        var options = new LmuOptions(1, 256, 1000) { ReturnSequences = true };
        _layer = new Torch.Lmu(options, Enum.Parse<LmuMode>(Mode, ignoreCase: true));
        _layer.eval();
        _x = randn(4, T, 1);
        Forward();
        long peak = PeakMemory.Measure(Forward);
        double output = 4.0 * T * 256 * sizeof(float);
        string picked = $", resolved mode {_layer.Mode}";
        Console.WriteLine($"// memory [{Mode}, T = {T}{picked}]: peak growth {peak / 1048576.0:F1} MiB = {peak / output:F2} × output ({output / 1048576.0:F1} MiB)");
    }

    /// <summary>One forward pass without autograd.</summary>
    [Benchmark]
    public void Forward()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _layer.call(_x, null);
    }
}
