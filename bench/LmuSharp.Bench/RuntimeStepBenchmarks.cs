using BenchmarkDotNet.Attributes;
using LmuSharp.Runtime;

namespace LmuSharp.Bench;

/// <summary>
/// One step of the streaming runtime for all streams: per-step latency (Mean) and, with Streams, steps/s = Streams / Mean.
/// psMNIST: parallel LMU order 468, hidden 346; KWS: LMU cell order 64, LSTM hidden 128.
/// </summary>
[Config(typeof(ShortRunConfig))]
[MemoryDiagnoser]
public class RuntimeStepBenchmarks
{
    LmuBatch _batch = null!;
    float[] _x = null!, _y = null!;

    /// <summary>The model shape.</summary>
    [Params("psMNIST-468", "KWS-64")]
    public string Model { get; set; } = "";

    /// <summary>The number of independent streams stepped per call.</summary>
    [Params(1, 64)]
    public int Streams { get; set; }

    /// <summary>Builds the model and warms the streams.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var model = Model == "KWS-64" ? RuntimeBenchmarkModels.KeywordSpotting() : RuntimeBenchmarkModels.PsMnist();
        _batch = model.CreateBatch(Streams);
        var random = new Random(3);
        _x = Enumerable.Range(0, Streams * model.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        _y = new float[Streams * model.OutputSize];
        for (int t = 0; t < 100; t++) _batch.Step(_x, _y);
    }

    /// <summary>One step of every stream.</summary>
    [Benchmark]
    public void Step() => _batch.Step(_x, _y);
}
