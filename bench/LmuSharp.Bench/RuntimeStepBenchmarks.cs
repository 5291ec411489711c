using BenchmarkDotNet.Attributes;
using LmuSharp.Cli.Benchmarks;
using LmuSharp.Cli.Benchmarks.Workloads;

namespace LmuSharp.Bench;

/// <summary>
/// The `lmu bench` runtime workload (<see cref="RuntimeStep"/>) under BenchmarkDotNet: one step of the streaming runtime
/// for all streams, of the models `lmu bench` builds (<see cref="StreamingModel"/>: the psMNIST task's default model,
/// a KWS-sized LMU cell), on one thread and on one thread per core (LmuBatch's maxDegreeOfParallelism = -1). Per-step
/// latency (Mean) and, with Streams, steps/s = Streams / Mean; adds the allocations a step makes on the benchmark's thread
/// (there should be none).
/// </summary>
[Config(typeof(ShortRunConfig))]
[MemoryDiagnoser]
public class RuntimeStepBenchmarks
{
    RuntimeStep _step = null!;

    /// <summary>psMNIST or KWS.</summary>
    [Params("psMNIST", "KWS")]
    public string Model { get; set; } = "";

    /// <summary>The number of independent streams stepped per call.</summary>
    [Params(1, 64)]
    public int Streams { get; set; }

    /// <summary>LmuBatch's maxDegreeOfParallelism: 1 (the calling thread alone) or -1 (one thread per core).</summary>
    [Params(1, -1)]
    public int Threads { get; set; }

    /// <summary>Builds the model and warms the streams.</summary>
    [GlobalSetup]
    public void Setup()
    {
        using var model = Model == "KWS" ? StreamingModel.KeywordSpotting() : StreamingModel.PsMnist();
        _step = new RuntimeStep(model.Runtime, Streams, maxDegreeOfParallelism: Threads);
    }

    /// <summary>One step of every stream.</summary>
    [Benchmark]
    public void Step() => _step.Step();

    /// <summary>Stops the batch's worker threads.</summary>
    [GlobalCleanup]
    public void Cleanup() => _step.Dispose();
}
