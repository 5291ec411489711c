using BenchmarkDotNet.Attributes;
using LmuSharp.Cli.Benchmarks.Workloads;
using TorchSharp;

namespace LmuSharp.Bench.Lmu;

/// <summary>
/// The `lmu bench` train-step workload (<see cref="PsMnistTrainStep"/>) at full size (T = 784, the task's batch of
/// 100) under BenchmarkDotNet: one training step of each model `lmu train psmnist` trains, built by the task from its
/// defaults. Adds what `lmu bench` does not measure: the step's peak resident-memory growth, printed in the setup log.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class PsmnistTrainingStepBenchmark
{
    PsMnistTrainStep _step = null!;

    /// <summary>The model, optionally with a mode (see <see cref="PsMnistTrainStep.Variants"/>).</summary>
    [ParamsSource(nameof(Variants))]
    public string Variant { get; set; } = "";

    /// <summary>The variants `lmu bench` times.</summary>
    public static IEnumerable<string> Variants => PsMnistTrainStep.Variants;

    /// <summary>Builds the model and a batch; reports the peak memory of one step.</summary>
    [GlobalSetup]
    public void Setup()
    {
        torch.set_num_threads(1); // the machine is shared: one thread gives steadier ratios
        _step = new PsMnistTrainStep(Variant);
        long peak = PeakMemory.Measure(_step.Step);
        Console.WriteLine($"// psMNIST step [{_step.Description}]: peak resident memory growth {peak / 1048576.0:F1} MiB");
    }

    /// <summary>Forward, cross-entropy, backward, Adam.</summary>
    [Benchmark]
    public void Step() => _step.Step();

    /// <summary>Frees the model and the batch.</summary>
    [GlobalCleanup]
    public void Cleanup() => _step.Dispose();
}
