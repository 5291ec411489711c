using TorchSharp.Modules;

namespace LmuSharp.Cli.Benchmarks.Workloads;

/// <summary>
/// One whole epoch of `lmu train psmnist` with the default model, data handling included: one epoch of the library's
/// <see cref="Fitting.Fit"/> (the loop the trainer runs: shuffled batches gathered from the data tensor, its step on
/// each) without evaluation, on the trainer's rows. When the model has a fixed first stage (the memory's input windows,
/// <see cref="IPrecomputableInput"/>) the trainer applies it once per run, before its first epoch; so does this
/// workload, in <see cref="Prepare"/>, untimed, and <see cref="OneTimeSeconds"/> says what it took. Random pixels and
/// labels of psMNIST's shape: values do not change the cost. This is the figure to set beside a PyTorch script's epoch
/// (bench/peers/).
/// </summary>
public sealed class PsMnistEpoch : IWorkload
{
    readonly nn.Module<Tensor, Tensor> _model;
    readonly OptimizerHelper _adam;
    readonly FitOptions _epoch;
    readonly Tensor _pixels, _labels;
    Tensor? _rows; // the trainer's rows: the fixed stage's output, or the pixels
    readonly IBatchGradients? _gradients;
    readonly Func<Tensor, Tensor, Tensor> _loss;

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
        _loss = Trainer.BatchLoss(_model, Precomputed, metric);
        _gradients = Trainer.BatchGradients(_model, Precomputed, metric);
    }

    bool Precomputed => _model is IPrecomputableInput { CanPrecompute: true };

    /// <summary>Seconds the one-time fixed stage took on all samples (0 before the first <see cref="Prepare"/>, or without one).</summary>
    public double OneTimeSeconds { get; private set; }

    /// <summary>The fixed stage on all samples, once, as the trainer does before its first epoch (untimed here; <see cref="OneTimeSeconds"/>).</summary>
    public void Prepare()
    {
        if (_rows is not null) return;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _rows = Precomputed ? ((IPrecomputableInput)_model).Precompute(_pixels) : _pixels.alias();
        OneTimeSeconds = clock.Elapsed.TotalSeconds;
    }

    /// <summary>The default configuration the model was built from.</summary>
    internal TrainConfig Config { get; }

    /// <summary>Samples per epoch.</summary>
    public int Samples { get; }

    /// <summary>Optimiser steps per epoch.</summary>
    public int Steps => _epoch.BatchesPerEpoch(Samples);

    /// <summary>One epoch of the fit on the trainer's rows.</summary>
    public void Step()
    {
        using var scope = NewDisposeScope();
        _model.Fit(new LmuSharp.Torch.Training.TensorDataset(_rows!, _labels), validation: null, _epoch, _adam, loss: _loss, gradients: _gradients); // the data stay owned here
    }

    /// <summary>Frees the model, the optimiser and the data.</summary>
    public void Dispose()
    {
        _gradients?.Dispose();
        _adam.Dispose();
        _model.Dispose();
        _rows?.Dispose();
        _pixels.Dispose();
        _labels.Dispose();
    }
}
