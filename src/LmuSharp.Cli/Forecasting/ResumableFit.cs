using LmuSharp.IO;
using Spectre.Console;

namespace LmuSharp.Cli.Forecasting;

/// <summary>
/// One model's fit in a run's staging directory, continued where it was if the run was killed. After every epoch it
/// writes, atomically, <c>name-best.ckpt</c> when the epoch is the best so far (its weights), then <c>name.ckpt</c>
/// (progress, model, optimiser and RNG state; the one it replaces kept as <c>name.previous.ckpt</c>). Fitting again in
/// the same directory restores <c>name.ckpt</c> and continues, or returns at once if that fit had finished, so a
/// resumed run ends with the uninterrupted run's weights. Leaves the best epoch's weights in the model and writes
/// <c>name-metrics.jsonl</c>.
/// </summary>
static class ResumableFit
{
    /// <summary>Fits (or finishes fitting) <paramref name="model"/>, showing a bar in <paramref name="ctx"/>.</summary>
    /// <param name="ctx">The progress display.</param>
    /// <param name="name">The model's name: its bar and file names.</param>
    /// <param name="model">The model, built as the run first built it (same seed).</param>
    /// <param name="train">The training split.</param>
    /// <param name="validation">The validation split, which picks the best epoch.</param>
    /// <param name="options">The fit's options (no callbacks).</param>
    /// <param name="directory">The staging directory.</param>
    /// <param name="say">Receives a line when the fit continues from a checkpoint.</param>
    public static void Run(ProgressContext ctx, string name, nn.Module<Tensor, Tensor> model, TensorDataset train, TensorDataset validation, FitOptions options, string directory, Action<string> say)
    {
        string last = Path.Combine(directory, $"{name}.ckpt"), previous = Path.Combine(directory, $"{name}.previous.ckpt"), best = Path.Combine(directory, $"{name}-best.ckpt");
        using var optimizer = options.Optimizer(model.parameters(), options.LearningRate);
        var saved = ResumePoint.Choose(last, previous, CheckpointFile.Read, file => FitCheckpoint.Progress(file).Epoch, say);
        FitProgress? start = null;
        if (saved is not null)
        {
            start = FitCheckpoint.Progress(saved);
            FitCheckpoint.Restore(saved, model, optimizer);
            say(options.IsFinished(start) ? $"{name}: finished at epoch {start.Epoch} before the run stopped." : $"{name}: continuing from epoch {start.Epoch}.");
        }
        var bar = ctx.AddTask(name, maxValue: options.Epochs);
        bar.Value = start?.Epoch ?? 0;
        var result = model.Fit(train, validation, options with
        {
            OnEpochEnd = (progress, epoch, better) =>
            {
                if (better) Save(best, progress, model, optimizer, previous: null);
                Save(last, progress, model, optimizer, previous);
                bar.Increment(1);
                bar.Description = $"{name} · epoch {epoch.Epoch} · validation {options.Metric.Name} (standardised) {epoch.Validation:F4}";
            },
        }, optimizer, start);
        bar.Value = bar.MaxValue;
        FitCheckpoint.Restore(CheckpointFile.Read(best), model, optimizer: null);
        AtomicFile.WriteAllText(Path.Combine(directory, $"{name}-metrics.jsonl"),
            string.Concat(result.Progress.History.Select(h => JsonSerializer.Serialize(h, JsonOptions.Compact) + "\n")));
    }

    static void Save(string path, FitProgress progress, nn.Module model, TorchSharp.Modules.OptimizerHelper optimizer, string? previous)
    {
        var bytes = FitCheckpoint.Serialize(progress, model, optimizer);
        AtomicFile.Write(path, stream => FaultInjection.Write(stream, bytes), previous);
    }
}
