using LmuSharp.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>
/// Table `train-step` (issues 3 and 5): one psMNIST training step — forward, cross-entropy, backward, Adam — at
/// order 256, θ = 784, T = 784, batch 100, hidden 212, 10 classes. The 2021 form (Linear + ReLU over [m; x]): the
/// parallel layer in <c>final</c> mode against the sequential layer. The 2019 LMU (tanh RNN cell over [m; x]): the
/// memory in parallel and the RNN on the fused kernel, against the same model stepped in TorchSharp ops.
/// </summary>
static class TrainStepBenchmark
{
    public const string Name = "train-step";
    const int Order = 256, Hidden = 212;

    public static BenchTable Run(bool quick)
    {
        // --quick: a quarter of the sequence and of the batch (the sequential layers are slow).
        int time = quick ? 196 : 784, batch = quick ? 25 : 100;
        // The sequential steps take seconds: warmed up on a short sequence only, then a few timed steps.
        var slow = new Budget(0, quick ? 1 : 3, quick ? 0 : 20);
        var linear = new LmuOptions(1, Order, 784) { Hidden = HiddenCell.Linear, HiddenSize = Hidden, HiddenActivation = Activation.Relu, InputToHidden = true, UseBias = true };
        var rnn = new LmuOptions(1, Order, 784) { Hidden = HiddenCell.Rnn, HiddenSize = Hidden, HiddenActivation = Activation.Tanh, InputToHidden = true };
        var parallel = Measure(linear, LmuMode.Auto, time, batch, Budget.For(quick));
        var sequential = Measure(linear, LmuMode.Sequential, time, batch, slow);
        var fused = Measure(rnn, LmuMode.Auto, time, batch, Budget.For(quick));
        var stepped = Measure(rnn, LmuMode.Sequential, time, batch, slow);
        double speedup = sequential.Median / parallel.Median, rnnSpeedup = stepped.Median / fused.Median;
        return new BenchTable(Name, "psMNIST training step (forward + backward + Adam): parallel against stepped LMUs",
            $"order {Order}, θ = 784, T = {time}, batch {batch}, hidden {Hidden}, 10 classes, float32",
            [new("ms_per_step", "ms/step", "F1"), new("samples_per_second", "samples/s", "N0"), new("runs", "timed steps", "F0")],
            [Row("2021 LMU (Linear + ReLU): parallel, final mode", parallel, batch), Row("2021 LMU: sequential", sequential, batch),
             Row("2019 LMU (tanh RNN): parallel memory + fused RNN kernel", fused, batch), Row("2019 LMU: stepped in TorchSharp ops", stepped, batch)],
            [new("speedup", "2021 LMU: parallel (final) over sequential", speedup, "×", "≥ 100× at full size", quick ? null : speedup >= 100),
             new("rnn_speedup", "2019 LMU: fused kernel over stepped", rnnSpeedup, "×", "", null)],
            "ms_per_step", ChartLog: true);
    }

    static BenchRow Row(string label, Measurement m, int batch) => new("", label, [1e3 * m.Median, batch / m.Median, m.Runs]);

    static Measurement Measure(LmuOptions options, LmuMode mode, int time, int batch, Budget budget)
    {
        manual_seed(0);
        using var lmu = new Lmu(options, mode);
        using var classifier = nn.Linear(Hidden, 10);
        using var adam = optim.Adam(lmu.parameters().Concat(classifier.parameters()), lr: 1e-3);
        using var x = rand(batch, time, 1);
        using var y = randint(0, 10, [batch]);
        void Step(Tensor input)
        {
            using var scope = NewDisposeScope();
            var (h, _) = lmu.call(input, null);
            var loss = nn.functional.cross_entropy(classifier.call(h), y);
            adam.zero_grad();
            loss.backward();
            adam.step();
        }
        using (var prefix = x[.., ..8]) Step(prefix); // JIT and first-call costs, on 8 steps
        return Timing.Measure(() => Step(x), budget);
    }
}
