using System.Diagnostics;
using LmuSharp.Cli.Output;
using LmuSharp.IO;
using Spectre.Console;

namespace LmuSharp.Cli.Training;

/// <summary>The final figures of a run (also printed as JSON with --json).</summary>
sealed record RunResult(string Task, string Model, long Parameters, int Epochs, int BestEpoch, string Metric,
    double Validation, double Test, double? Published, string? PublishedSource, double Seconds, string Output, bool Interrupted);

/// <summary>
/// Trains a task's model with Adam through the library's <see cref="Fitting.Fit"/>: seeded and repeatable,
/// resumable from the last checkpoint, with a progress bar, a test figure per epoch, metrics.jsonl,
/// learning-curve plots and best/last checkpoints in the run directory.
/// </summary>
sealed class Trainer(ITask task, TrainConfig config, string output, IAnsiConsole console)
{
    public const string LastCheckpoint = "last.ckpt";
    public const string BestCheckpoint = "best.ckpt";
    /// <summary>The last checkpoint before last.ckpt, kept so that a damaged last.ckpt costs one epoch, not the run.</summary>
    public const string PreviousCheckpoint = "previous.ckpt";

    readonly CancellationTokenSource _stop = new();
    LoadAwareThreads? _threads; // --threads 0: as many as other processes leave free

    /// <summary>A checkpoint whose model weights a new run starts from (warm start), or null.</summary>
    public string? InitialWeights { get; init; }

    /// <summary>Slows a warm-started model trained on another sequence length down (or speeds it up) by the ratio of the lengths.</summary>
    void RescaleTime(nn.Module model, TrainConfig initial)
    {
        if (model is not ITimeRescalable rescalable || initial.Length <= 0 || config.Length <= 0 || initial.Length == config.Length) return;
        double factor = (double)config.Length / initial.Length;
        rescalable.RescaleTime(factor);
        var change = factor > 1 ? $"Slowed down ×{factor:G4}" : $"Sped up ×{1 / factor:G4}";
        console.MarkupLine($"{change}: the weights were trained on {initial.Length:N0} steps, this run has {config.Length:N0}.");
    }

    /// <summary>Stop after the current batch, saving a resumable checkpoint (Ctrl-C).</summary>
    public void RequestStop() => _stop.Cancel();

    /// <summary>Trains from the start, or from a verified checkpoint of this run.</summary>
    public RunResult Run(TaskData data, LoadedCheckpoint? resumeFrom)
    {
        if (config.Threads > 0) torch.set_num_threads(config.Threads);
        else _threads = new LoadAwareThreads(Environment.ProcessorCount);
        torch.manual_seed(config.Seed);
        using var model = task.Build(config);
        using var optimizer = optim.Adam(model.parameters(), config.LearningRate);
        var progress = resumeFrom?.Progress ?? new TrainProgress(0, 0, 0, [], 0, double.NaN, 0);
        if (resumeFrom is null && InitialWeights is not null)
        {
            var initial = Checkpoint.Load(InitialWeights);
            Checkpoint.Restore(initial, model, optimizer: null);
            console.MarkupLine($"Starting from the weights of {Markup.Escape(InitialWeights)}.");
            RescaleTime(model, initial.Config);
        }
        if (resumeFrom is not null)
        {
            Checkpoint.Restore(resumeFrom, model, optimizer);
            WriteMetrics(progress.History);
            console.MarkupLine($"Resuming from {Markup.Escape(Path.GetFileName(resumeFrom.Path))} at epoch {progress.Epoch + 1}, batch {progress.Batch}.");
        }
        long parameters = model.parameters().Sum(p => p.numel());
        console.MarkupLine($"[bold]{task.Name}[/] · {config.Model} · {parameters:N0} parameters · {data.Train.Count:N0} train / {data.Validation.Count:N0} validation / {data.Test.Count:N0} test samples");
        var clock = Stopwatch.StartNew(); // the one-time precomputation counts as training time
        _lastPlot.Restart();
        using var precomputed = Precompute(model, data);
        if (precomputed is not null) data = precomputed;
        Func<Tensor, Tensor> forward = precomputed is null ? model.forward : ((IPrecomputableInput)model).ForwardPrecomputed;
        var loss = BatchLoss(model, precomputed is not null, task.Metric);
        using var gradients = BatchGradients(model, precomputed is not null, task.Metric);
        int evaluationBatch = EvaluationBatch(precomputed is not null);
        double precomputeSeconds = clock.Elapsed.TotalSeconds;
        AtomicFile.WriteAllText(Path.Combine(output, "config.json"), JsonSerializer.Serialize(config, JsonOptions.Indented));

        var history = new List<EpochMetrics>(progress.History);
        FitResult fit = null!;
        console.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                int batches = ToFitOptions().BatchesPerEpoch(data.Train.Count);
                var bar = ctx.AddTask("training", maxValue: (double)config.Epochs * batches);
                var described = Stopwatch.StartNew();
                bar.Increment(progress.Epoch * (double)batches + progress.Batch);
                var options = ToFitOptions() with
                {
                    EvaluationBatchSize = evaluationBatch,
                    OnBatch = b =>
                    {
                        _threads?.Update();
                        bar.Increment(1);
                        if (b.Batch < b.Batches && described.Elapsed.TotalSeconds < DescriptionInterval) return; // the text, ten times a second
                        described.Restart();
                        int threads = torch.get_num_threads();
                        bar.Description = $"epoch {b.Epoch + 1}/{config.Epochs} · loss {b.MeanLoss:F4} · {b.SamplesPerSecond:N0} samples/s · {threads} thread{(threads > 1 ? "s" : "")}";
                    },
                    OnEpochEnd = (state, epoch, better) => EndEpoch(model, forward, evaluationBatch, optimizer, data.Test, history, state, epoch, better),
                };
                var split = (Split s) => new TensorDataset(s.Inputs, s.Targets);
                var start = ToFit(progress) with { Elapsed = progress.Elapsed + precomputeSeconds };
                fit = model.Fit(split(data.Train), split(data.Validation), options, optimizer, start, forward, loss, gradients);
            });
        progress = FromFit(fit.Progress, history);
        if (history.Count > 0) Plot(history); // the curves as they end, however recently they were drawn
        if (fit.Interrupted)
        {
            SaveLast(progress, model, optimizer);
            console.MarkupLine($"[yellow]Interrupted[/] in epoch {progress.Epoch + 1} at batch {progress.Batch}; saved. Continue with --resume.");
        }
        var best = progress.History.FirstOrDefault(h => h.Epoch == progress.BestEpoch);
        var published = task.Published(config.Model);
        return new RunResult(task.Name, config.Model, parameters, progress.History.Count, progress.BestEpoch, task.Metric.Name,
            best?.Validation ?? double.NaN, best?.Test ?? double.NaN, published?.Value, published?.Source, progress.Elapsed, Path.GetFullPath(output), fit.Interrupted);
    }

    /// <summary>
    /// Samples per evaluation pass: precomputed rows (a few thousand numbers each, no activations kept) in batches of
    /// <see cref="PrecomputedEvaluationRows"/>, whose products run faster than the training batch's; anything else at the
    /// training batch size, which is known to fit in memory.
    /// </summary>
    int EvaluationBatch(bool precomputed) => precomputed ? Math.Max(config.BatchSize, PrecomputedEvaluationRows) : config.BatchSize;

    /// <summary>
    /// psMNIST's 10,000 validation rows: 20 ms in batches of 5,000 against 32 ms in batches of 1,000 or 2,500 (two threads;
    /// libtorch's product runs faster on the taller matrix); the batch's activations take ≈ 40 MB.
    /// </summary>
    const int PrecomputedEvaluationRows = 5000;

    /// <summary>
    /// Seconds between updates of the progress bar's text (and at each epoch's last batch): formatting it at every psMNIST
    /// batch took 12 µs of a 1.3 ms step.
    /// </summary>
    const double DescriptionInterval = 0.1;

    /// <summary>The run's config as the library's fit options (no callbacks), stopping on <see cref="RequestStop"/>.</summary>
    FitOptions ToFitOptions() => new()
    {
        Epochs = config.Epochs, BatchSize = config.BatchSize, LearningRate = config.LearningRate, Schedule = config.LearningRateSchedule,
        Metric = task.Metric, Seed = config.Seed, ClipGradNorm = config.ClipGradNorm, Cancellation = _stop.Token,
    };

    /// <summary>Tests the epoch's model, and writes metrics, plots and checkpoints (the test figure is the run's, not the fit's).</summary>
    void EndEpoch(nn.Module<Tensor, Tensor> model, Func<Tensor, Tensor> forward, int evaluationBatch, TorchSharp.Modules.OptimizerHelper optimizer, Split test, List<EpochMetrics> history, FitProgress state, FitEpoch epoch, bool better)
    {
        var (_, testFigure) = Fitting.Evaluate(model, forward, task.Metric, new TensorDataset(test.Inputs, test.Targets), evaluationBatch);
        history.Add(new EpochMetrics(epoch.Epoch, epoch.LearningRate, epoch.TrainLoss, epoch.ValidationLoss, epoch.Validation, testFigure, epoch.Seconds));
        var progress = FromFit(state, history);
        console.MarkupLine($"epoch {epoch.Epoch}/{config.Epochs}: train loss {epoch.TrainLoss:F4} · validation {task.Metric.Name} {epoch.Validation:F4} · test {testFigure:F4}{(better ? " [green](best)[/]" : "")}");
        var bytes = Checkpoint.Serialize(config, progress, model, optimizer); // best.ckpt and last.ckpt hold the same state
        if (better) Checkpoint.Write(Path.Combine(output, BestCheckpoint), bytes);
        Checkpoint.Write(Path.Combine(output, LastCheckpoint), bytes, Path.Combine(output, PreviousCheckpoint));
        WriteMetrics(history);
        if (_lastPlot.Elapsed.TotalSeconds >= PlotInterval) Plot(history); // and once more when the run ends
    }

    /// <summary>A run's progress as the library's (its history without the test figures).</summary>
    static FitProgress ToFit(TrainProgress p) => new(p.Epoch, p.Batch, p.TrainLossSum,
        p.History.Select(h => new FitEpoch(h.Epoch, h.LearningRate, h.TrainLoss, h.ValidationLoss, h.Validation, h.Seconds)).ToArray(), p.BestEpoch, p.Best, p.Elapsed);

    /// <summary>The library's progress with the run's history (which has the test figures).</summary>
    static TrainProgress FromFit(FitProgress p, List<EpochMetrics> history) =>
        new(p.Epoch, p.Batch, p.TrainLossSum, [.. history.Take(p.Epoch)], p.BestEpoch, p.Best, p.Elapsed);

    /// <summary>Saves last.ckpt, keeping the one it replaces as previous.ckpt.</summary>
    void SaveLast(TrainProgress progress, nn.Module model, TorchSharp.Modules.OptimizerHelper optimizer) =>
        Checkpoint.Save(Path.Combine(output, LastCheckpoint), config, progress, model, optimizer, Path.Combine(output, PreviousCheckpoint));

    /// <summary>
    /// Rewrites metrics.jsonl from the history, one line per epoch: the checkpoint's history is the record,
    /// so a run killed between saving a checkpoint and its metrics, or resumed from an earlier checkpoint, lists each epoch once.
    /// </summary>
    void WriteMetrics(List<EpochMetrics> history) =>
        AtomicFile.WriteAllText(Path.Combine(output, "metrics.jsonl"),
            string.Concat(history.Select(h => JsonSerializer.Serialize(h, JsonOptions.Compact) + "\n")));

    /// <summary>
    /// The splits with the model's fixed first stage applied once (<see cref="IPrecomputableInput"/>), or null when
    /// the model has none: its rows then stand for the inputs in every step and evaluation.
    /// </summary>
    TaskData? Precompute(nn.Module<Tensor, Tensor> model, TaskData data)
    {
        if (model is not IPrecomputableInput { CanPrecompute: true } fixedStage) return null;
        var clock = Stopwatch.StartNew();
        Split Apply(Split s) => new(fixedStage.Precompute(s.Inputs), s.Targets.alias());
        var precomputed = new TaskData(Apply(data.Train), Apply(data.Validation), Apply(data.Test));
        console.MarkupLine($"The memory is fixed: its input windows were computed once for all {data.Train.Count + data.Validation.Count + data.Test.Count:N0} samples in {clock.Elapsed.TotalSeconds:F1} s; each step trains on them.");
        return precomputed;
    }

    /// <summary>
    /// The training loss of a batch: on precomputed rows the model's <see cref="IPrecomputableInput.LossPrecomputed"/>
    /// (which may fuse forward and loss), else the metric's loss of <c>forward</c>.
    /// </summary>
    public static Func<Tensor, Tensor, Tensor> BatchLoss(nn.Module<Tensor, Tensor> model, bool precomputed, Metric metric) =>
        precomputed ? (x, y) => ((IPrecomputableInput)model).LossPrecomputed(x, y, metric) : (x, y) => metric.Loss(model.forward(x), y);

    /// <summary>
    /// What computes a training batch's loss and gradients without autograd, when the model has it for precomputed rows
    /// (<see cref="IPrecomputableInput.GradientsPrecomputed"/>); else null, and <see cref="BatchLoss"/> with backward does.
    /// </summary>
    public static IBatchGradients? BatchGradients(nn.Module<Tensor, Tensor> model, bool precomputed, Metric metric) =>
        precomputed ? ((IPrecomputableInput)model).GradientsPrecomputed(metric) : null;

    /// <summary>One optimiser step on a batch with the task's loss (the library's step); the loss, in the caller's dispose scope.</summary>
    public static Tensor Step(Func<Tensor, Tensor, Tensor> batchLoss, TorchSharp.Modules.OptimizerHelper optimizer, Tensor x, Tensor y) =>
        Fitting.Step(batchLoss, optimizer, x, y);

    /// <summary>Mean loss and metric of a model over a split, in evaluation mode.</summary>
    public static (double Loss, double Metric) Evaluate(ITask task, nn.Module<Tensor, Tensor> model, Split split, int batchSize) =>
        Fitting.Evaluate(model, task.Metric, new TensorDataset(split.Inputs, split.Targets), batchSize);

    /// <summary>
    /// Seconds from the start of training to the first drawing of the learning curves, and between redraws: the first
    /// drawing (ScottPlot's start-up included) costs about half a second, a psMNIST epoch about a second, so short runs
    /// draw once, at the end.
    /// </summary>
    const double PlotInterval = 30;
    readonly Stopwatch _lastPlot = new();

    void Plot(List<EpochMetrics> history)
    {
        _lastPlot.Restart();
        var epochs = history.Select(h => (double)h.Epoch).ToArray();
        Charts.Lines(Path.Combine(output, "loss.png"), $"{task.Name} · {config.Model}: loss", "epoch", "loss",
            [("train", epochs, history.Select(h => h.TrainLoss).ToArray()), ("validation", epochs, history.Select(h => h.ValidationLoss).ToArray())]);
        Charts.Lines(Path.Combine(output, $"{task.Metric.Name}.png"), $"{task.Name} · {config.Model}: {task.Metric.Name}", "epoch", task.Metric.Name,
            [("validation", epochs, history.Select(h => h.Validation).ToArray()), ("test", epochs, history.Select(h => h.Test).ToArray())]);
    }
}

/// <summary>Shared JSON settings.</summary>
static class JsonOptions
{
    public static readonly JsonSerializerOptions Compact = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
    public static readonly JsonSerializerOptions Indented = new(Compact) { WriteIndented = true };
}
