using BenchmarkDotNet.Attributes;
using LmuSharp.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Bench.Lmu;

/// <summary>
/// The <c>final</c> mode (psMNIST shapes: batch 100, T = 784, order 468, no hidden cell) against the one plain matrix
/// product [100, 1, 784] × [784, 468] it reduces to, in time and in peak resident-memory growth (printed in the setup log).
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class FinalModeBenchmark
{
    Torch.Lmu _layer = null!;
    Tensor _x = null!, _h = null!;

    /// <summary>Builds the layer, the input and the matrix; reports the peak memory of both.</summary>
    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1); // the machine is shared: one thread gives steadier ratios
        manual_seed(0);
        _layer = new Torch.Lmu(new LmuOptions(1, 468, 784), LmuMode.Final);
        _layer.eval();
        _x = randn(100, 784, 1);
        _h = randn(784, 468);
        Final();
        PlainMatmul();
        long final = PeakMemory.Measure(Final), plain = PeakMemory.Measure(PlainMatmul);
        Console.WriteLine($"// final mode peak growth {final / 1024.0:F0} KiB, plain matmul {plain / 1024.0:F0} KiB");
    }

    /// <summary>Lmu forward in final mode.</summary>
    [Benchmark]
    public void Final()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _layer.forward(_x, null);
    }

    /// <summary>The bare product u [100, 784] × H [784, 468].</summary>
    [Benchmark(Baseline = true)]
    public void PlainMatmul()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _x.view(100, 784).matmul(_h); // the 2-D GEMM: the fastest form of the product
    }
}
