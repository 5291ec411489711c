using LmuSharp.Runtime;

namespace LmuSharp.Cli.Benchmarks.Workloads;

/// <summary>
/// Steps of the dependency-free streaming runtime: <see cref="LmuBatch.Step"/> of every stream of a batch, state carried
/// from call to call, on up to <see cref="DegreeOfParallelism"/> threads. The streams are warmed up (100 steps) when the workload is built.
/// </summary>
public sealed class RuntimeStep : IWorkload
{
    readonly LmuBatch _batch;
    readonly float[] _x, _y;

    /// <summary>
    /// A batch of <paramref name="streams"/> streams of <paramref name="model"/> stepped on up to <paramref name="maxDegreeOfParallelism"/>
    /// threads (<see cref="LmuModel.CreateBatch"/>); each <see cref="Step"/> advances them <paramref name="steps"/> time steps.
    /// </summary>
    public RuntimeStep(LmuModel model, int streams, int steps = 1, int maxDegreeOfParallelism = 1)
    {
        (Streams, Steps) = (streams, steps);
        _batch = model.CreateBatch(streams, maxDegreeOfParallelism);
        var random = new Random(3);
        _x = Enumerable.Range(0, streams * model.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        _y = new float[streams * model.OutputSize];
        for (int t = 0; t < 100; t++) _batch.Step(_x, _y);
    }

    /// <summary>Streams advanced together.</summary>
    public int Streams { get; }

    /// <summary>Time steps per <see cref="Step"/>.</summary>
    public int Steps { get; }

    /// <summary>Threads stepping the streams, the caller included (<see cref="LmuBatch.DegreeOfParallelism"/>).</summary>
    public int DegreeOfParallelism => _batch.DegreeOfParallelism;

    /// <summary><see cref="Steps"/> steps of every stream.</summary>
    public void Step()
    {
        for (int t = 0; t < Steps; t++) _batch.Step(_x, _y);
    }

    /// <summary>Stops the batch's worker threads, if any.</summary>
    public void Dispose() => _batch.Dispose();
}

/// <summary>
/// The TorchSharp model's own single-step inference of a <see cref="StreamingModel"/>: its layer's <c>step</c> and the
/// dense head on a [streams, inputs] batch, no autograd, from a fresh state each call, state carried between its steps.
/// </summary>
public sealed class TorchSharpStep(StreamingModel model, int streams, int steps) : IWorkload
{
    readonly Tensor _x = rand(streams, model.Runtime.InputSize);

    /// <summary>Time steps per <see cref="Step"/>.</summary>
    public int Steps => steps;

    /// <summary><see cref="Steps"/> steps of every stream.</summary>
    public void Step()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        LmuState? state = null;
        for (int t = 0; t < steps; t++) state = model.TorchStep(_x, state);
    }

    /// <summary>Frees the input (the model belongs to the caller).</summary>
    public void Dispose() => _x.Dispose();
}
