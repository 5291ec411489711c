using TorchSharp.Modules;

namespace LmuSharp.Cli.Benchmarks.Workloads;

/// <summary>
/// One whole epoch of `lmu train psmnist` with the default model, data handling included: the trainer's one-time
/// fixed stage (the memory's input windows, <see cref="IPrecomputableInput"/>) on every sample, then one epoch of the
/// library's <see cref="Fitting.Fit"/> (the loop the trainer runs: shuffled batches gathered from the data tensor, its
/// step on each) without evaluation. Random pixels and labels of psMNIST's shape: values do not change the cost. This
/// is the figure to set beside a PyTorch script's epoch (bench/peers/).
/// </summary>
public sealed class PsMnistEpoch : IWorkload
{
    readonly nn.Module<Tensor, Tensor> _model;
    readonly OptimizerHelper _adam;
    readonly FitOptions _epoch;
    readonly Tensor _pixels, _labels;

    /// <summary>Builds the default model and <paramref name="samples"/> random samples.</summary>
    /// <param name="samples">Samples in the epoch (psMNIST's training split has 50,000).</param>
    public PsMnistEpoch(int samples = 50_000)
    {
        TrainConfig config;
        Metric metric;
        (config, _model, _adam, metric) = PsMnistTrainStep.Build("lmu-parallel");
        Config = config;
        _epoch = new FitOptions { Epochs = 1, BatchSize = config.BatchSize, LearningRate = config.LearningRate, Metric = metric, Seed = config.Seed };
        Samples = samples;
        _pixels = rand(samples, PsMnistTrainStep.Pixels, 1);
        _labels = randint(0, 10, [samples]);
    }

    /// <summary>The default configuration the model was built from.</summary>
    internal TrainConfig Config { get; }

    /// <summary>Samples per epoch.</summary>
    public int Samples { get; }

    /// <summary>Optimiser steps per epoch.</summary>
    public int Steps => _epoch.BatchesPerEpoch(Samples);

    /// <summary>The fixed stage on all samples (when the model has one), then one epoch of the fit.</summary>
    public void Step()
    {
        using var scope = NewDisposeScope();
        var fixedStage = _model as IPrecomputableInput;
        bool precomputed = fixedStage is { CanPrecompute: true };
        var inputs = precomputed ? fixedStage!.Precompute(_pixels) : _pixels;
        var loss = Trainer.BatchLoss(_model, precomputed, _epoch.Metric);
        using var gradients = Trainer.BatchGradients(_model, precomputed, _epoch.Metric);
        _model.Fit(new LmuSharp.Torch.Training.TensorDataset(inputs, _labels), validation: null, _epoch, _adam, loss: loss, gradients: gradients); // the data stay owned here
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
