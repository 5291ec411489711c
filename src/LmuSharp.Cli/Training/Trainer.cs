using System.Diagnostics;
using LmuSharp.Cli.Output;
using LmuSharp.IO;
using Spectre.Console;

namespace LmuSharp.Cli.Training;

/// <summary>The final figures of a run (also printed as JSON with --json).</summary>
sealed record RunResult(string Task, string Model, long Parameters, int Epochs, int BestEpoch, string Metric,
    double Validation, double Test, double? Published, string? PublishedSource, double Seconds, string Output, bool Interrupted);

/// <summary>
/// Trains a task's model with Adam: seeded and repeatable, resumable from the last checkpoint, with a
/// progress bar, metrics.jsonl, learning-curve plots and best/last checkpoints in the run directory.
/// </summary>
sealed class Trainer(ITask task, TrainConfig config, string output, IAnsiConsole console)
{
    public const string LastCheckpoint = "last.ckpt";
    public const string BestCheckpoint = "best.ckpt";
    /// <summary>The last checkpoint before last.ckpt, kept so that a damaged last.ckpt costs one epoch, not the run.</summary>
    public const string PreviousCheckpoint = "previous.ckpt";

    volatile bool _stop;
    LoadAwareThreads? _threads; // --threads 0: as many as other processes leave free
    readonly Stopwatch _clock = new();
    double _priorSeconds;

    /// <summary>Seconds of training so far, across resumed processes.</summary>
    double Elapsed => _priorSeconds + _clock.Elapsed.TotalSeconds;

    /// <summary>A checkpoint whose model weights a new run starts from (warm start), or null.</summary>
    public string? InitialWeights { get; init; }

    /// <summary>Stop after the current batch, saving a resumable checkpoint (Ctrl-C).</summary>
    public void RequestStop() => _stop = true;

    /// <summary>Trains from the start, or from a verified checkpoint of this run.</summary>
    public RunResult Run(TaskData data, LoadedCheckpoint? resumeFrom)
    {
        if (config.Threads > 0) torch.set_num_threads(config.Threads);
        else _threads = new LoadAwareThreads(Environment.ProcessorCount);
        torch.manual_seed(config.Seed);
        using var model = task.Build(config);
        using var optimizer = optim.Adam(model.parameters(), config.LearningRate);
        var progress = resumeFrom?.Progress ?? new TrainProgress(0, 0, 0, [], 0, double.NaN, 0);
        _priorSeconds = progress.Elapsed;
        if (resumeFrom is null && InitialWeights is not null)
        {
            Checkpoint.Restore(Checkpoint.Load(InitialWeights), model, optimizer: null);
            console.MarkupLine($"Starting from the weights of {Markup.Escape(InitialWeights)}.");
        }
        if (resumeFrom is not null)
        {
            Checkpoint.Restore(resumeFrom, model, optimizer);
            WriteMetrics(progress.History);
            console.MarkupLine($"Resuming from {Markup.Escape(Path.GetFileName(resumeFrom.Path))} at epoch {progress.Epoch + 1}, batch {progress.Batch}.");
        }
        long parameters = model.parameters().Sum(p => p.numel());
        console.MarkupLine($"[bold]{task.Name}[/] · {config.Model} · {parameters:N0} parameters · {data.Train.Count:N0} train / {data.Validation.Count:N0} validation / {data.Test.Count:N0} test samples");
        _clock.Start(); // the one-time precomputation counts as training time
        using var precomputed = Precompute(model, data);
        if (precomputed is not null) data = precomputed;
        Func<Tensor, Tensor> forward = precomputed is null ? model.forward : ((IPrecomputableInput)model).ForwardPrecomputed;
        AtomicFile.WriteAllText(Path.Combine(output, "config.json"), JsonSerializer.Serialize(config, JsonOptions.Indented));

        bool interrupted = false;
        console.Progress()
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var bar = ctx.AddTask("training", maxValue: (double)config.Epochs * Batches(data.Train));
                bar.Increment(progress.Epoch * (double)Batches(data.Train) + progress.Batch);
                while (progress.Epoch < config.Epochs)
                {
                    progress = TrainEpoch(model, forward, optimizer, data.Train, progress, bar);
                    if (_stop) { interrupted = true; break; }
                    progress = EndEpoch(model, forward, optimizer, data, progress);
                }
            });
        double seconds = Elapsed;
        if (interrupted)
        {
            SaveLast(progress with { Elapsed = seconds }, model, optimizer);
            console.MarkupLine($"[yellow]Interrupted[/] in epoch {progress.Epoch + 1} at batch {progress.Batch}; saved. Continue with --resume.");
        }
        var best = progress.History.FirstOrDefault(h => h.Epoch == progress.BestEpoch);
        var published = task.Published(config.Model);
        return new RunResult(task.Name, config.Model, parameters, progress.History.Count, progress.BestEpoch, task.Metric.Name,
            best?.Validation ?? double.NaN, best?.Test ?? double.NaN, published?.Value, published?.Source, seconds, Path.GetFullPath(output), interrupted);
    }

    int Batches(Split split) => (int)((split.Count + config.BatchSize - 1) / config.BatchSize);

    /// <summary>Trains from the saved position to the end of the epoch (or until a stop is requested).</summary>
    TrainProgress TrainEpoch(nn.Module model, Func<Tensor, Tensor> forward, TorchSharp.Modules.OptimizerHelper optimizer, Split train, TrainProgress progress, ProgressTask bar)
    {
        model.train();
        foreach (var group in optimizer.ParamGroups) group.LearningRate = config.LearningRateAt(progress.Epoch);
        using var order = EpochOrder(train.Count, progress.Epoch);
        int batches = Batches(train);
        double lossSum = progress.TrainLossSum;
        var clock = Stopwatch.StartNew();
        long samples = 0;
        for (int b = progress.Batch; b < batches; b++)
        {
            using (var scope = NewDisposeScope())
            {
                var index = order.narrow(0, (long)b * config.BatchSize, Math.Min(config.BatchSize, train.Count - (long)b * config.BatchSize));
                var x = train.Inputs.index_select(0, index);
                var y = train.Targets.index_select(0, index);
                lossSum += Step(forward, optimizer, task.Metric, x, y).item<float>();
                samples += index.shape[0];
            }
            _threads?.Update();
            bar.Increment(1);
            bar.Description = $"epoch {progress.Epoch + 1}/{config.Epochs} · loss {lossSum / (b + 1):F4} · {samples / clock.Elapsed.TotalSeconds:N0} samples/s · {torch.get_num_threads()} thread{(torch.get_num_threads() > 1 ? "s" : "")}";
            if (_stop) return progress with { Batch = b + 1, TrainLossSum = lossSum };
        }
        return progress with { Batch = batches, TrainLossSum = lossSum };
    }

    /// <summary>Evaluates, records the epoch, and writes metrics, plots and checkpoints.</summary>
    TrainProgress EndEpoch(nn.Module model, Func<Tensor, Tensor> forward, TorchSharp.Modules.OptimizerHelper optimizer, TaskData data, TrainProgress progress)
    {
        var (validationLoss, validation) = Evaluate(task, model, forward, data.Validation, config.BatchSize);
        var (_, test) = Evaluate(task, model, forward, data.Test, config.BatchSize);
        var metrics = new EpochMetrics(progress.Epoch + 1, config.LearningRateAt(progress.Epoch), progress.TrainLossSum / Batches(data.Train),
            validationLoss, validation, test, Elapsed);
        bool better = progress.BestEpoch == 0 || (task.Metric.HigherIsBetter ? validation > progress.Best : validation < progress.Best);
        var history = new List<EpochMetrics>(progress.History) { metrics };
        progress = new TrainProgress(metrics.Epoch, 0, 0, history,
            better ? metrics.Epoch : progress.BestEpoch, better ? validation : progress.Best, Elapsed);
        console.MarkupLine($"epoch {metrics.Epoch}/{config.Epochs}: train loss {metrics.TrainLoss:F4} · validation {task.Metric.Name} {validation:F4} · test {test:F4}{(better ? " [green](best)[/]" : "")}");

        if (better) Checkpoint.Save(Path.Combine(output, BestCheckpoint), config, progress, model, optimizer);
        SaveLast(progress, model, optimizer);
        WriteMetrics(history);
        Plot(history);
        return progress;
    }

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

    /// <summary>One optimiser step on a batch: forward, the metric's loss, backward, update; the loss, in the caller's dispose scope.</summary>
    public static Tensor Step(Func<Tensor, Tensor> forward, TorchSharp.Modules.OptimizerHelper optimizer, Metric metric, Tensor x, Tensor y)
    {
        optimizer.zero_grad();
        var loss = metric.Loss(forward(x), y);
        loss.backward();
        if (optimizer is TorchSharp.Modules.Adam adam) adam.FusedStep(); // TorchSharp's update, one pass per parameter
        else optimizer.step();
        return loss;
    }

    /// <summary>The data order of an epoch: a permutation seeded by (seed, epoch), so a resumed run replays it.</summary>
    Tensor EpochOrder(long count, int epoch)
    {
        var random = new Random(unchecked(config.Seed * 1_000_003 + epoch) & int.MaxValue);
        var order = Enumerable.Range(0, (int)count).ToArray();
        random.Shuffle(order);
        return torch.tensor(order.Select(i => (long)i).ToArray());
    }

    /// <summary>Mean loss and metric of a model over a split, in evaluation mode.</summary>
    public static (double Loss, double Metric) Evaluate(ITask task, nn.Module<Tensor, Tensor> model, Split split, int batchSize) =>
        Evaluate(task, model, model.forward, split, batchSize);

    /// <summary>As <see cref="Evaluate(ITask, nn.Module{Tensor, Tensor}, Split, int)"/>, running <paramref name="forward"/> on the split's rows.</summary>
    static (double Loss, double Metric) Evaluate(ITask task, nn.Module model, Func<Tensor, Tensor> forward, Split split, int batchSize)
    {
        model.eval();
        using var noGrad = torch.no_grad();
        var accumulator = task.Metric.Start();
        double lossSum = 0;
        long batches = 0;
        for (long start = 0; start < split.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(batchSize, split.Count - start);
            var x = split.Inputs.narrow(0, start, n);
            var y = split.Targets.narrow(0, start, n);
            var output = forward(x);
            lossSum += task.Metric.Loss(output, y).item<float>();
            accumulator.Add(output, y);
            batches++;
        }
        return (lossSum / batches, accumulator.Value);
    }

    void Plot(List<EpochMetrics> history)
    {
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
