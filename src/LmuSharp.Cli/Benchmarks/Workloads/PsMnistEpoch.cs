using TorchSharp.Modules;

namespace LmuSharp.Cli.Benchmarks.Workloads;

/// <summary>
/// One whole epoch of `lmu train psmnist` with the default model, data handling included: the trainer's one-time
/// fixed stage (the memory's input windows, <see cref="IPrecomputableInput"/>) on every sample, then shuffled batches
/// gathered from the data tensor and the trainer's own step on each. Random pixels and labels of psMNIST's shape:
/// values do not change the cost. This is the figure to set beside a PyTorch script's epoch (bench/peers/).
/// </summary>
public sealed class PsMnistEpoch : IWorkload
{
    readonly nn.Module<Tensor, Tensor> _model;
    readonly OptimizerHelper _adam;
    readonly Metric _metric;
    readonly Tensor _pixels, _labels;
    readonly int _batch;

    /// <summary>Builds the default model and <paramref name="samples"/> random samples.</summary>
    /// <param name="samples">Samples in the epoch (psMNIST's training split has 50,000).</param>
    public PsMnistEpoch(int samples = 50_000)
    {
        TrainConfig config;
        (config, _model, _adam, _metric) = PsMnistTrainStep.Build("lmu-parallel");
        Config = config;
        _batch = config.BatchSize;
        Samples = samples;
        _pixels = rand(samples, PsMnistTrainStep.Pixels, 1);
        _labels = randint(0, 10, [samples]);
    }

    /// <summary>The default configuration the model was built from.</summary>
    internal TrainConfig Config { get; }

    /// <summary>Samples per epoch.</summary>
    public int Samples { get; }

    /// <summary>Optimiser steps per epoch.</summary>
    public int Steps => (Samples + _batch - 1) / _batch;

    /// <summary>The fixed stage on all samples (when the model has one), then every batch of a shuffled epoch.</summary>
    public void Step()
    {
        using var scope = NewDisposeScope();
        var (inputs, forward) = _model is IPrecomputableInput { CanPrecompute: true } fixedStage
            ? (fixedStage.Precompute(_pixels), (Func<Tensor, Tensor>)fixedStage.ForwardPrecomputed)
            : (_pixels, _model.forward);
        var order = randperm(Samples);
        for (long start = 0; start < Samples; start += _batch)
        {
            using var batchScope = NewDisposeScope();
            var index = order.narrow(0, start, Math.Min(_batch, Samples - start));
            Trainer.Step(forward, _adam, _metric, inputs.index_select(0, index), _labels.index_select(0, index)).item<float>();
        }
    }

    /// <summary>Frees the model, the optimiser and the data.</summary>
    public void Dispose()
    {
        _adam.Dispose();
        _model.Dispose();
        _pixels.Dispose();
        _labels.Dispose();
    }
}
