using LmuSharp.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>
/// Table `train-step` (issue 3): one psMNIST training step — forward, cross-entropy, backward, Adam — of the
/// 2019 configuration (order 256, θ = 784, T = 784, batch 100, hidden 212 = Linear + ReLU over [m; x], 10 classes),
/// the parallel layer in <c>final</c> mode against the sequential layer on the same configuration.
/// </summary>
static class TrainStepBenchmark
{
    public const string Name = "train-step";

    public static BenchTable Run(bool quick)
    {
        // --quick: a quarter of the sequence and of the batch (the sequential layer is slow).
        int time = quick ? 196 : 784, batch = quick ? 25 : 100;
        const int order = 256, hidden = 212;
        var parallel = Measure(LmuImplementation.Parallel, time, batch, order, hidden, Budget.For(quick));
        // The sequential step takes seconds to tens of seconds: warmed up on a short sequence only, then a few timed steps.
        var sequential = Measure(LmuImplementation.Sequential, time, batch, order, hidden, new Budget(0, quick ? 1 : 3, quick ? 0 : 20));
        double speedup = sequential.Median / parallel.Median;
        return new BenchTable(Name, "psMNIST training step (forward + backward + Adam): parallel LMU (final mode) vs sequential LMU",
            $"order {order}, θ = 784, T = {time}, batch {batch}, hidden {hidden} (Linear + ReLU over [m; x]), 10 classes, float32",
            [new("ms_per_step", "ms/step", "F1"), new("samples_per_second", "samples/s", "N0"), new("runs", "timed steps", "F0")],
            [Row("parallel LMU, final mode", parallel, batch), Row("sequential LMU", sequential, batch)],
            [new("speedup", "parallel (final) over sequential", speedup, "×", "≥ 100× at full size", quick ? null : speedup >= 100)],
            "ms_per_step", ChartLog: true);
    }

    static BenchRow Row(string label, Measurement m, int batch) => new("", label, [1e3 * m.Median, batch / m.Median, m.Runs]);

    static Measurement Measure(LmuImplementation implementation, int time, int batch, int order, int hidden, Budget budget)
    {
        manual_seed(0);
        var options = new LmuOptions(1, order, 784)
        {
            Hidden = HiddenCell.Linear, HiddenSize = hidden, HiddenActivation = Activation.Relu, InputToHidden = true, UseBias = true,
        };
        using var lmu = new Lmu(options, implementation) { ParallelMode = ParallelMode.Final };
        using var classifier = nn.Linear(hidden, 10);
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
