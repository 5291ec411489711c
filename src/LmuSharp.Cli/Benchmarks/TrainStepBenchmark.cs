using LmuSharp.Cli.Benchmarks.Workloads;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>
/// Table `train-step`: one psMNIST training step (<see cref="PsMnistTrainStep"/>: forward, cross-entropy, backward,
/// Adam) of each model `lmu train psmnist` trains, built by the task from its defaults. lmu-parallel (the default,
/// final mode) against the same model forced sequential; the 2019 LMU without feedback (parallel memory, RNN on the
/// fused kernel) against the 2019 LMU with feedback, which steps through time in TorchSharp ops.
/// </summary>
static class TrainStepBenchmark
{
    public const string Name = "train-step";

    public static BenchTable Run(bool quick)
    {
        // --quick: a quarter of the sequence and of the batch (the stepped models are slow); the models are unchanged.
        int length = quick ? PsMnistTrainStep.Pixels / 4 : PsMnistTrainStep.Pixels, batch = quick ? 25 : 0;
        // The stepped models take seconds a step: warmed up on a short prefix only (by the workload), then a few timed steps.
        var slow = new Budget(0, quick ? 1 : 3, quick ? 0 : 20);
        var fast = Budget.For(quick);
        var labels = new Dictionary<string, string>
        {
            ["lmu-parallel"] = "lmu-parallel (default, as trained): final mode",
            ["lmu-parallel:sequential"] = "lmu-parallel forced sequential",
            ["lmu-no-feedback"] = "2019 LMU, no feedback: parallel memory + fused RNN kernel",
            ["lmu"] = "2019 LMU with feedback: stepped in TorchSharp ops",
        };
        var rows = new List<BenchRow>();
        var ms = new List<double>();
        int samples = 0;
        var models = new List<string>();
        foreach (var variant in PsMnistTrainStep.Variants)
        {
            using var step = new PsMnistTrainStep(variant, length, batch);
            var m = Timing.Measure(step, variant is "lmu-parallel" or "lmu-no-feedback" ? fast : slow);
            samples = step.Batch;
            ms.Add(1e3 * m.Median);
            rows.Add(new("", labels[variant], [1e3 * m.Median, step.Batch / m.Median, m.Runs, step.Parameters]));
            models.Add(step.Description);
        }
        double speedup = ms[1] / ms[0], feedbackCost = ms[3] / ms[2];
        return new BenchTable(Name, "psMNIST training step (forward + backward + Adam) of the models `lmu train psmnist` trains",
            $"T = {length}, batch {samples}, float32, Adam; models built by the psmnist task from its defaults: {string.Join("; ", models)}",
            [new("ms_per_step", "ms/step", "F1"), new("samples_per_second", "samples/s", "N0"), new("runs", "timed steps", "F0"), new("parameters", "parameters", "N0")],
            rows,
            [new("speedup", "lmu-parallel: final mode over sequential", speedup, "×", "≥ 100× at full size", quick ? null : speedup >= 100),
             new("rnn_speedup", "2019 LMU: no feedback (fused kernel) over feedback (stepped)", feedbackCost, "×", "none", null)],
            "ms_per_step", ChartLog: true);
    }
}
