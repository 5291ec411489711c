using TorchSharp;
using TorchSharp.Modules;

namespace LmuSharp.Torch.Training;

/// <summary>
/// How <see cref="Fitting.Fit"/> trains: epochs, batch size, optimiser and learning-rate schedule, the loss and
/// the metric that picks the best epoch, early stopping, gradient clipping, the seed of the data order, and
/// callbacks for progress and checkpoints.
/// </summary>
public sealed record FitOptions
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Samples per optimiser step (the last batch of an epoch may be smaller).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// Samples per forward pass when evaluating the validation split (Keras' <c>validation_batch_size</c>; 0: <see cref="BatchSize"/>).
    /// Evaluation keeps no activations for a backward pass, so it can take larger batches, which the matrix products run faster.
    /// </summary>
    public int EvaluationBatchSize { get; init; }

    /// <summary>The (peak) learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>How the learning rate follows the epochs.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>The loss trained on and the metric reported, which with a validation split picks the best epoch.</summary>
    public Metric Metric { get; init; } = Metric.Rmse;

    /// <summary>Seeds the order of the training samples in each epoch (the weights are seeded by <c>torch.manual_seed</c> before building the model).</summary>
    public int Seed { get; init; }

    /// <summary>Clips the gradients' global L2 norm to this before each step (0: no clipping).</summary>
    public double ClipGradNorm { get; init; }

    /// <summary>Stops after this many epochs without a better monitored figure (0: never stop early).</summary>
    public int Patience { get; init; }

    /// <summary>Makes the optimiser from the parameters and the learning rate (default: Adam).</summary>
    public Func<IEnumerable<Parameter>, double, OptimizerHelper> Optimizer { get; init; } = (parameters, lr) => torch.optim.Adam(parameters, lr);

    /// <summary>Called after every batch (progress display).</summary>
    public Action<FitBatch>? OnBatch { get; init; }

    /// <summary>
    /// Called after every epoch, once its progress is recorded: the progress, the epoch, and whether it is the
    /// best so far (save checkpoints here; the progress is what a resumed fit starts from).
    /// </summary>
    public Action<FitProgress, FitEpoch, bool>? OnEpochEnd { get; init; }

    /// <summary>Stops the fit after the current batch; the result then says <see cref="FitResult.Interrupted"/>.</summary>
    public CancellationToken Cancellation { get; init; }

    /// <summary>The learning rate of an epoch (0-based).</summary>
    public double LearningRateAt(int epoch) => Schedule.At(LearningRate, epoch, Epochs);

    /// <summary>
    /// Whether a fit at <paramref name="progress"/> is over: all <see cref="Epochs"/> done, or <see cref="Patience"/>
    /// epochs since the best one (early stopping).
    /// </summary>
    public bool IsFinished(FitProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return progress.Epoch >= Epochs || (Patience > 0 && progress.BestEpoch > 0 && progress.Epoch - progress.BestEpoch >= Patience);
    }

    /// <summary>Batches per epoch for a training split of <paramref name="samples"/> samples.</summary>
    public int BatchesPerEpoch(long samples) => (int)((samples + BatchSize - 1) / BatchSize);

    /// <summary>The batch size of evaluation passes: <see cref="EvaluationBatchSize"/>, or <see cref="BatchSize"/> when that is 0.</summary>
    public int EvaluationBatch => EvaluationBatchSize > 0 ? EvaluationBatchSize : BatchSize;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first out-of-range option.</summary>
    public FitOptions Validate()
    {
        Require(Epochs >= 1, $"Epochs must be ≥ 1, got {Epochs}");
        Require(BatchSize >= 1, $"BatchSize must be ≥ 1, got {BatchSize}");
        Require(EvaluationBatchSize >= 0, $"EvaluationBatchSize must be ≥ 0 (0: BatchSize), got {EvaluationBatchSize}");
        Require(double.IsFinite(LearningRate) && LearningRate > 0, $"LearningRate must be finite and > 0, got {LearningRate}");
        Require(double.IsFinite(ClipGradNorm) && ClipGradNorm >= 0, $"ClipGradNorm must be finite and ≥ 0, got {ClipGradNorm}");
        Require(Patience >= 0, $"Patience must be ≥ 0, got {Patience}");
        return this;
    }

    static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message + ".");
    }
}
