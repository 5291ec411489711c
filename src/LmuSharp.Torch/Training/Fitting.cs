using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>
/// The training loop: <c>model.Fit(train, validation, options)</c>, as in Keras. Each epoch trains on the
/// training split in a seeded order, then evaluates the validation split and records the epoch; a fit can be
/// stopped after any batch and resumed from its <see cref="FitProgress"/> with the same result as an
/// uninterrupted one (given the model, optimiser and torch RNG state saved with it); resumed from the progress of a
/// finished fit, it trains nothing.
/// </summary>
public static class Fitting
{
    /// <summary>Trains <paramref name="model"/> and returns where the fit ended.</summary>
    /// <param name="model">Any module mapping a batch of inputs to outputs the metric's loss compares with targets.</param>
    /// <param name="train">The training split.</param>
    /// <param name="validation">The validation split that picks the best epoch and drives early stopping (null: the training loss does).</param>
    /// <param name="options">Epochs, batch size, optimiser, schedule, metric, callbacks.</param>
    /// <param name="optimizer">An optimiser over the model's parameters, e.g. restored from a checkpoint (null: made by <see cref="FitOptions.Optimizer"/>).</param>
    /// <param name="resumeFrom">The progress to continue from (null: the start).</param>
    /// <param name="forward">
    /// What runs a batch of the splits' rows (null: <c>model.forward</c>); with splits that hold a fixed first stage's
    /// output, computed once (<see cref="IPrecomputableInput.Precompute"/>), its <see cref="IPrecomputableInput.ForwardPrecomputed"/>.
    /// </param>
    /// <param name="loss">
    /// The training loss of a batch of the splits' rows and targets (null: the metric's loss of <paramref name="forward"/>'s
    /// output); e.g. <see cref="IPrecomputableInput.LossPrecomputed"/>, which may fuse the two.
    /// </param>
    /// <param name="gradients">
    /// When given, what computes each training batch's loss and gradients in place of <paramref name="loss"/> and
    /// <c>backward()</c> (e.g. <see cref="IPrecomputableInput.GradientsPrecomputed"/>); the same numbers, without an autograd graph.
    /// </param>
    public static FitResult Fit(this nn.Module<Tensor, Tensor> model, TensorDataset train, TensorDataset? validation, FitOptions options,
        OptimizerHelper? optimizer = null, FitProgress? resumeFrom = null, Func<Tensor, Tensor>? forward = null, Func<Tensor, Tensor, Tensor>? loss = null,
        IBatchGradients? gradients = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        options.Validate();
        if (train.Count == 0) throw new ArgumentException("the training split is empty.", nameof(train));
        bool owned = optimizer is null;
        optimizer ??= options.Optimizer(model.parameters(), options.LearningRate);
        forward ??= model.forward;
        loss ??= (x, y) => options.Metric.Loss(forward(x), y);
        Func<Tensor, Tensor, double> step = gradients is null
            ? (x, y) => Step(loss, optimizer, x, y, options.ClipGradNorm).item<float>()
            : (x, y) => Step(gradients, optimizer, x, y, options.ClipGradNorm);
        try { return Run(model, forward, step, optimizer, train, validation, options, resumeFrom ?? FitProgress.Start); }
        finally { if (owned) ((IDisposable)optimizer).Dispose(); }
    }

    static FitResult Run(nn.Module model, Func<Tensor, Tensor> forward, Func<Tensor, Tensor, double> step, OptimizerHelper optimizer, TensorDataset train, TensorDataset? validation, FitOptions options, FitProgress progress)
    {
        var clock = Stopwatch.StartNew();
        double prior = progress.Elapsed;
        while (!options.IsFinished(progress))
        {
            progress = TrainEpoch(model, step, optimizer, train, options, progress);
            if (options.Cancellation.IsCancellationRequested)
                return new FitResult(progress with { Elapsed = prior + clock.Elapsed.TotalSeconds }, Interrupted: true, EarlyStopped: false);
            progress = EndEpoch(model, forward, validation, options, progress, prior + clock.Elapsed.TotalSeconds);
        }
        return new FitResult(progress, Interrupted: false, EarlyStopped: progress.Epoch < options.Epochs);
    }

    /// <summary>
    /// Trains from the saved position to the end of the epoch, or until cancelled (then after the current batch); <paramref name="step"/>
    /// makes one optimiser step on a batch and returns its loss.
    /// </summary>
    static FitProgress TrainEpoch(nn.Module model, Func<Tensor, Tensor, double> step, OptimizerHelper optimizer, TensorDataset train, FitOptions options, FitProgress progress)
    {
        model.train();
        foreach (var group in optimizer.ParamGroups) group.LearningRate = options.LearningRateAt(progress.Epoch);
        using var order = EpochOrder(train.Count, options.Seed, progress.Epoch);
        int batches = options.BatchesPerEpoch(train.Count);
        double lossSum = progress.TrainLossSum;
        var clock = Stopwatch.StartNew();
        long samples = 0;
        for (int b = progress.Batch; b < batches; b++)
        {
            using (var scope = NewDisposeScope())
            {
                long start = (long)b * options.BatchSize;
                var index = order.narrow(0, start, Math.Min(options.BatchSize, train.Count - start));
                lossSum += step(Gather(train.Inputs, index), Gather(train.Targets, index));
                samples += index.size(0);
            }
            options.OnBatch?.Invoke(new FitBatch(progress.Epoch, b + 1, batches, lossSum / (b + 1), samples / clock.Elapsed.TotalSeconds));
            if (options.Cancellation.IsCancellationRequested) return progress with { Batch = b + 1, TrainLossSum = lossSum };
        }
        return progress with { Batch = batches, TrainLossSum = lossSum };
    }

    /// <summary>
    /// The rows of <paramref name="source"/> at <paramref name="index"/> (int64 [n]): copied row by row here when both are
    /// contiguous CPU tensors (on two cores for a large batch), else by <c>index_select</c>. libtorch's gather runs on its
    /// OpenMP threads, which keep spinning for milliseconds afterwards, on the cores a step that runs its own threads
    /// (<see cref="LmuClassifierGradients"/>) uses.
    /// </summary>
    static unsafe Tensor Gather(Tensor source, Tensor index)
    {
        if (source.device_type != TorchSharp.DeviceType.CPU || index.device_type != TorchSharp.DeviceType.CPU || !source.is_contiguous()
            || !index.is_contiguous() || index.dtype != ScalarType.Int64 || source.dim() == 0 || source.requires_grad)
            return source.index_select(0, index);
        long count = index.size(0), rows = source.size(0);
        var shape = new long[source.dim()];
        shape[0] = count;
        for (int d = 1; d < shape.Length; d++) shape[d] = source.size(d);
        var result = empty(shape, source.dtype);
        long rowBytes = rows == 0 ? 0 : source.numel() / rows * source.element_size();
        var copy = new RowCopy(Recurrence.TensorMemory.Pointer<byte>(source), Recurrence.TensorMemory.Pointer<byte>(result),
            Recurrence.TensorMemory.Pointer<long>(index), rows, rowBytes);
        if (count * rowBytes < ParallelGatherBytes || get_num_threads() < 2) copy.Rows(0, count);
        else TwoLanes.Run(lane => copy.Rows(lane == 0 ? 0 : count / 2, lane == 0 ? count / 2 : count - count / 2));
        return result;
    }

    /// <summary>
    /// From this many bytes a batch's rows are copied on the two <see cref="TwoLanes"/>: the copy waits on memory a row at a
    /// time, and two cores wait at once (psMNIST's 188 KB batch: 98–105 µs on one, 78 on two).
    /// </summary>
    const long ParallelGatherBytes = 64 * 1024;

    /// <summary>Copies row at[i] of a split of <c>rows</c> rows of <c>rowBytes</c> bytes to row i of the batch, for i in a range.</summary>
    readonly unsafe struct RowCopy(byte* from, byte* to, long* at, long rows, long rowBytes)
    {
        public void Rows(long first, long count)
        {
            for (long i = first; i < first + count; i++)
            {
                if ((ulong)at[i] >= (ulong)rows) throw new IndexOutOfRangeException($"row {at[i]} of a split of {rows}.");
                Buffer.MemoryCopy(from + at[i] * rowBytes, to + i * rowBytes, rowBytes, rowBytes);
            }
        }
    }

    /// <summary>Evaluates the validation split, records the epoch and tells <see cref="FitOptions.OnEpochEnd"/>.</summary>
    static FitProgress EndEpoch(nn.Module model, Func<Tensor, Tensor> forward, TensorDataset? validation, FitOptions options, FitProgress progress, double elapsed)
    {
        double trainLoss = progress.TrainLossSum / progress.Batch;
        var (validationLoss, figure) = validation is null ? (double.NaN, double.NaN) : Evaluate(model, forward, options.Metric, validation, options.EvaluationBatch);
        var epoch = new FitEpoch(progress.Epoch + 1, options.LearningRateAt(progress.Epoch), trainLoss, validationLoss, figure, elapsed);
        // Without a validation split the training loss (lower is better) picks the best epoch.
        double monitored = validation is null ? trainLoss : figure;
        bool higherIsBetter = validation is not null && options.Metric.HigherIsBetter;
        bool better = progress.BestEpoch == 0 || (higherIsBetter ? monitored > progress.Best : monitored < progress.Best);
        progress = new FitProgress(epoch.Epoch, 0, 0, [.. progress.History, epoch],
            better ? epoch.Epoch : progress.BestEpoch, better ? monitored : progress.Best, elapsed);
        options.OnEpochEnd?.Invoke(progress, epoch, better);
        return progress;
    }

    /// <summary>
    /// One optimiser step on a batch: gradients cleared to none (as PyTorch's <c>zero_grad()</c> does by default, so
    /// backward writes them instead of adding them to zeros), forward, loss, backward, optional clipping of the optimiser's parameters'
    /// gradients, update (Adam's in one pass per parameter, <see cref="FusedAdam.FusedStep"/>); returns the loss
    /// (in the caller's dispose scope).
    /// </summary>
    /// <param name="forward">The model's forward (in training mode), or what stands for it on precomputed rows.</param>
    /// <param name="optimizer">The optimiser over its parameters.</param>
    /// <param name="loss">(output, target) → scalar loss.</param>
    /// <param name="x">The batch's inputs.</param>
    /// <param name="y">The batch's targets.</param>
    /// <param name="clipGradNorm">Clip the gradients' global L2 norm to this (0: no clipping).</param>
    public static Tensor Step(Func<Tensor, Tensor> forward, OptimizerHelper optimizer, Func<Tensor, Tensor, Tensor> loss, Tensor x, Tensor y, double clipGradNorm = 0) =>
        Step((inputs, targets) => loss(forward(inputs), targets), optimizer, x, y, clipGradNorm);

    /// <summary>As <see cref="Step(Func{Tensor, Tensor}, OptimizerHelper, Func{Tensor, Tensor, Tensor}, Tensor, Tensor, double)"/> with the batch's loss computed by <paramref name="batchLoss"/>.</summary>
    /// <param name="batchLoss">(inputs, targets) → scalar loss, the forward pass included.</param>
    /// <param name="optimizer">The optimiser over the model's parameters.</param>
    /// <param name="x">The batch's inputs.</param>
    /// <param name="y">The batch's targets.</param>
    /// <param name="clipGradNorm">Clip the gradients' global L2 norm to this (0: no clipping).</param>
    public static Tensor Step(Func<Tensor, Tensor, Tensor> batchLoss, OptimizerHelper optimizer, Tensor x, Tensor y, double clipGradNorm = 0)
    {
        foreach (var p in optimizer.parameters()) p.grad = null;
        var value = batchLoss(x, y);
        value.backward();
        Update(optimizer, clipGradNorm);
        return value;
    }

    /// <summary>
    /// As <see cref="Step(Func{Tensor, Tensor, Tensor}, OptimizerHelper, Tensor, Tensor, double)"/> with the batch's loss and
    /// gradients computed by <paramref name="gradients"/> (no autograd graph); returns the loss.
    /// </summary>
    /// <param name="gradients">Writes the gradient of every parameter the optimiser updates.</param>
    /// <param name="optimizer">The optimiser over the model's parameters.</param>
    /// <param name="x">The batch's inputs.</param>
    /// <param name="y">The batch's targets.</param>
    /// <param name="clipGradNorm">Clip the gradients' global L2 norm to this (0: no clipping).</param>
    public static double Step(IBatchGradients gradients, OptimizerHelper optimizer, Tensor x, Tensor y, double clipGradNorm = 0)
    {
        double value = gradients.Compute(x, y);
        Update(optimizer, clipGradNorm);
        return value;
    }

    /// <summary>Clips the gradients (when asked) and applies the optimiser's update (Adam's fused).</summary>
    static void Update(OptimizerHelper optimizer, double clipGradNorm)
    {
        if (clipGradNorm > 0) nn.utils.clip_grad_norm_(optimizer.parameters(), clipGradNorm);
        if (optimizer is Adam adam) adam.FusedStep();
        else optimizer.step();
    }

    /// <summary>Mean batch loss and the metric of a model over a split, in evaluation mode without gradients.</summary>
    public static (double Loss, double Metric) Evaluate(nn.Module<Tensor, Tensor> model, Metric metric, TensorDataset split, int batchSize) =>
        Evaluate(model, model.forward, metric, split, batchSize);

    /// <summary>As <see cref="Evaluate(nn.Module{Tensor, Tensor}, Metric, TensorDataset, int)"/>, running <paramref name="forward"/> on the split's rows.</summary>
    public static (double Loss, double Metric) Evaluate(nn.Module model, Func<Tensor, Tensor> forward, Metric metric, TensorDataset split, int batchSize)
    {
        model.eval();
        using var noGrad = no_grad();
        var accumulator = metric.Start();
        double lossSum = 0;
        long batches = 0;
        for (long start = 0; start < split.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(batchSize, split.Count - start);
            var y = split.Targets.narrow(0, start, n);
            var output = forward(split.Inputs.narrow(0, start, n));
            lossSum += metric.Loss(output, y).item<float>();
            accumulator.Add(output, y);
            batches++;
        }
        return (lossSum / batches, accumulator.Value);
    }

    /// <summary>The order of the training samples in an epoch: a permutation seeded by (seed, epoch), so a resumed fit replays it.</summary>
    public static Tensor EpochOrder(long count, int seed, int epoch)
    {
        var random = new Random(unchecked(seed * 1_000_003 + epoch) & int.MaxValue);
        var order = Enumerable.Range(0, checked((int)count)).ToArray();
        random.Shuffle(order);
        return tensor(order.Select(i => (long)i).ToArray());
    }
}
