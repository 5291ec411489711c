using BenchmarkDotNet.Attributes;
using LmuSharp.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Bench.Lmu;

/// <summary>
/// One psMNIST training step (forward + backward + Adam), order 256, θ = 784, T = 784, batch 100, hidden 212
/// (Linear + ReLU on [m; x]) and a 10-way classifier: the parallel layer in <c>final</c> mode against the same
/// configuration run by the sequential layer; the 2019 psMNIST LMU (tanh RNN cell of 212 over [m; x], no feedback:
/// memory by FFT, the RNN on the fused kernel); and the same RNN cell with hidden→memory and memory→memory feedback,
/// which must run every step in TorchSharp ops. Prints the step's peak resident-memory growth in the setup log.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class PsmnistTrainingStepBenchmark
{
    nn.Module<Tensor, LmuState?, (Tensor Output, LmuState State)> _lmu = null!;
    nn.Module<Tensor, Tensor> _classifier = null!;
    optim.Optimizer _adam = null!;
    Tensor _x = null!, _y = null!;

    /// <summary>"parallel-final", "sequential" (same configuration), "rnn-2019" (the 2019 model) or "rnn-feedback".</summary>
    [Params("parallel-final", "sequential", "rnn-2019", "rnn-feedback")]
    public string Layer { get; set; } = "";

    /// <summary>Builds the model and a batch; reports the peak memory of one step.</summary>
    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1); // the machine is shared: one thread gives steadier ratios
        manual_seed(0);
        var options = new LmuOptions(1, 256, 784) { Hidden = HiddenCell.Linear, HiddenSize = 212, HiddenActivation = Activation.Relu, InputToHidden = true, UseBias = true };
        _lmu = Layer switch
        {
            "sequential" => new Torch.Lmu(options, LmuMode.Sequential),
            "rnn-2019" => new Torch.Lmu(options with { Hidden = HiddenCell.Rnn, HiddenActivation = Activation.Tanh, UseBias = false }),
            "rnn-feedback" => new Torch.Lmu(options with { Hidden = HiddenCell.Rnn, HiddenActivation = Activation.Tanh, HiddenToMemory = true, MemoryToMemory = true }),
            _ => new Torch.Lmu(options, LmuMode.Final),
        };
        _classifier = nn.Linear(212, 10);
        _adam = optim.Adam(_lmu.parameters().Concat(_classifier.parameters()), lr: 1e-3);
        _x = rand(100, 784, 1);
        _y = randint(0, 10, [100]);
        Step(); // caches H
        long peak = PeakMemory.Measure(Step);
        Console.WriteLine($"// psMNIST step [{Layer}]: peak resident memory growth {peak / 1048576.0:F1} MiB");
    }

    /// <summary>Forward, cross-entropy, backward, Adam.</summary>
    [Benchmark]
    public void Step()
    {
        using var scope = NewDisposeScope();
        var (h, _) = _lmu.call(_x, null);
        var loss = nn.functional.cross_entropy(_classifier.call(h), _y);
        _adam.zero_grad();
        loss.backward();
        _adam.step();
    }
}
