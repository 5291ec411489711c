namespace LmuSharp.Torch.Training;

/// <summary>One epoch's figures.</summary>
/// <param name="Epoch">The epoch, 1-based.</param>
/// <param name="LearningRate">The learning rate it trained with.</param>
/// <param name="TrainLoss">The mean training loss over its batches.</param>
/// <param name="ValidationLoss">The mean loss on the validation split (NaN without one).</param>
/// <param name="Validation">The metric on the validation split (NaN without one).</param>
/// <param name="Seconds">Training time at its end, across resumed processes.</param>
public sealed record FitEpoch(int Epoch, double LearningRate, double TrainLoss, double ValidationLoss, double Validation, double Seconds);

/// <summary>
/// Where a fit is: <paramref name="Epoch"/> epochs done and <paramref name="Batch"/> batches into the next
/// (with their loss sum), the epochs so far, and the best monitored figure with its (1-based) epoch, 0 before
/// the first. Saved with a checkpoint, it is what a resumed fit continues from.
/// </summary>
/// <param name="Epoch">Epochs completed.</param>
/// <param name="Batch">Batches done of the next epoch.</param>
/// <param name="TrainLossSum">The sum of those batches' losses.</param>
/// <param name="History">The completed epochs.</param>
/// <param name="BestEpoch">The epoch with the best monitored figure (0: none yet).</param>
/// <param name="Best">That figure (the validation metric, or the training loss without a validation split).</param>
/// <param name="Elapsed">Seconds of training so far, across resumed processes.</param>
public sealed record FitProgress(int Epoch, int Batch, double TrainLossSum, IReadOnlyList<FitEpoch> History, int BestEpoch, double Best, double Elapsed)
{
    /// <summary>The progress of a fit that has not started.</summary>
    public static FitProgress Start { get; } = new(0, 0, 0, [], 0, double.NaN, 0);
}

/// <summary>A finished (or stopped) fit.</summary>
/// <param name="Progress">Where it ended; resumable.</param>
/// <param name="Interrupted">Stopped by its cancellation token before the last epoch ended.</param>
/// <param name="EarlyStopped">Stopped because the monitored figure had not improved for the patience.</param>
public sealed record FitResult(FitProgress Progress, bool Interrupted, bool EarlyStopped);

/// <summary>A batch done: for progress displays.</summary>
/// <param name="Epoch">The epoch, 0-based.</param>
/// <param name="Batch">Batches done in this epoch.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="MeanLoss">The epoch's mean training loss so far.</param>
/// <param name="SamplesPerSecond">Throughput since this process started the epoch.</param>
public readonly record struct FitBatch(int Epoch, int Batch, int Batches, double MeanLoss, double SamplesPerSecond);
