using TorchSharp.Modules;

namespace LmuSharp.Cli.Benchmarks.Workloads;

/// <summary>
/// One training iteration of `lmu train long-2b` at a given length: the model <see cref="LongTwoBTask"/> builds from
/// its defaults (2 layers of 64 units; seeded as the trainer seeds it, in training mode), Adam, the task's loss, and
/// one sequence of the task's own data (batch 1, as Martin &amp; Cundy's million-step runs); then forward, loss,
/// backward and the Adam update.
/// </summary>
public sealed class LongTwoBTrainStep : IWorkload
{
    readonly nn.Module<Tensor, Tensor> _model;
    readonly OptimizerHelper _adam;
    readonly Metric _metric;
    readonly TaskData _data;

    /// <summary>Builds the model and one training sequence of <paramref name="length"/> steps.</summary>
    public LongTwoBTrainStep(int length)
    {
        var task = TaskRegistry.Get("long-2b");
        var config = (task.Defaults("gilr-lstm") with { Length = length, TrainSamples = 1, BatchSize = 1 }).Validate();
        manual_seed(config.Seed); // as the trainer seeds before building
        _model = task.Build(config);
        _model.train();
        _adam = optim.Adam(_model.parameters(), config.LearningRate);
        _metric = task.Metric;
        _data = task.Load(config, null, _ => { });
        Parameters = _model.parameters().Sum(p => p.numel());
    }

    /// <summary>Trainable parameters of the model.</summary>
    public long Parameters { get; }

    /// <summary>Forward, loss, backward, Adam.</summary>
    public void Step()
    {
        using var scope = NewDisposeScope();
        Trainer.Step(Trainer.BatchLoss(_model, precomputed: false, _metric), _adam, _data.Train.Inputs, _data.Train.Targets); // the trainer's own step
    }

    /// <summary>Frees the model, the optimiser and the data.</summary>
    public void Dispose()
    {
        _adam.Dispose();
        _model.Dispose();
        _data.Dispose();
    }
}
