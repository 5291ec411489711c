using LmuSharp.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests.Training;

public class FitTests
{
    /// <summary>y = x W + b with noise: a linear model must find it.</summary>
    static (TensorDataset Train, TensorDataset Validation) LinearData()
    {
        manual_seed(3);
        var w = tensor(new[] { 1.5f, -2f, 0.5f }).reshape(3, 1);
        Tensor Targets(Tensor x) => x.matmul(w) + 0.25f + 0.01f * randn(x.shape[0], 1);
        var x1 = randn(96, 3);
        var x2 = randn(32, 3);
        return (new TensorDataset(x1, Targets(x1)), new TensorDataset(x2, Targets(x2)));
    }

    static FitOptions Options => new() { Epochs = 4, BatchSize = 10, LearningRate = 0.05, Seed = 11, Schedule = LearningRateSchedule.Cosine };

    [Fact]
    public void Fit_learns_a_linear_map_and_records_each_epoch()
    {
        var (train, validation) = LinearData();
        manual_seed(1);
        var model = nn.Linear(3, 1);
        var result = model.Fit(train, validation, Options with { Epochs = 30 });

        Assert.False(result.Interrupted);
        Assert.Equal(30, result.Progress.History.Count);
        Assert.Equal(Enumerable.Range(1, 30), result.Progress.History.Select(h => h.Epoch));
        Assert.True(result.Progress.History[^1].Validation < 0.05, $"validation RMSE {result.Progress.History[^1].Validation}");
        var best = result.Progress.History.MinBy(h => h.Validation)!;
        Assert.Equal(best.Epoch, result.Progress.BestEpoch);
        Assert.Equal(best.Validation, result.Progress.Best);
    }

    [Fact]
    public void The_evaluation_batch_size_changes_how_validation_is_batched_not_what_it_measures()
    {
        var (train, validation) = LinearData();
        FitResult Run(int evaluationBatchSize)
        {
            manual_seed(1);
            return nn.Linear(3, 1).Fit(train, validation, Options with { EvaluationBatchSize = evaluationBatchSize });
        }
        var batched = Run(0);   // the training batch, 10: batches of 10, 10, 10 and 2 rows
        var whole = Run(32);    // the whole split at once
        for (int e = 0; e < batched.Progress.History.Count; e++)
        {
            Assert.Equal(batched.Progress.History[e].TrainLoss, whole.Progress.History[e].TrainLoss);
            Assert.InRange(Math.Abs(batched.Progress.History[e].Validation - whole.Progress.History[e].Validation), 0, 1e-6);
        }
        var refused = Assert.Throws<ArgumentException>(() => (Options with { EvaluationBatchSize = -1 }).Validate());
        Assert.Contains("EvaluationBatchSize", refused.Message);
    }

    [Fact]
    public void A_fit_stopped_mid_epoch_and_resumed_from_its_checkpoint_file_equals_the_uninterrupted_fit()
    {
        var (train, validation) = LinearData();
        manual_seed(1);
        var whole = nn.Linear(3, 1);
        var uninterrupted = whole.Fit(train, validation, Options);

        manual_seed(1);
        var first = nn.Linear(3, 1);
        var firstOptimizer = optim.Adam(first.parameters(), Options.LearningRate);
        using var stop = new CancellationTokenSource();
        var stopped = first.Fit(train, validation, Options with { Cancellation = stop.Token, OnBatch = b => { if (b.Epoch == 1 && b.Batch == 4) stop.Cancel(); } }, firstOptimizer);
        Assert.True(stopped.Interrupted);
        Assert.Equal((1, 4), (stopped.Progress.Epoch, stopped.Progress.Batch));

        // Another model and optimiser, given only the checkpoint file: as a resumed process has.
        var path = Path.Combine(Directory.CreateTempSubdirectory("lmusharp-fit-").FullName, "last.ckpt");
        FitCheckpoint.Save(path, stopped.Progress, first, firstOptimizer);
        manual_seed(99); // the checkpoint's RNG state, not this, must decide what follows
        var second = nn.Linear(3, 1);
        var secondOptimizer = optim.Adam(second.parameters(), Options.LearningRate);
        var progress = FitCheckpoint.Restore(path, second, secondOptimizer);
        Assert.Equal((1, 4), (progress.Epoch, progress.Batch));
        var resumed = second.Fit(train, validation, Options, secondOptimizer, progress);

        Assert.Equal(uninterrupted.Progress.History.Select(h => (h.TrainLoss, h.Validation)), resumed.Progress.History.Select(h => (h.TrainLoss, h.Validation)));
        Assert.True(whole.weight!.allclose(second.weight!, rtol: 0, atol: 0));
        Assert.True(whole.bias!.allclose(second.bias!, rtol: 0, atol: 0));
    }

    [Fact]
    public void Early_stopping_ends_the_fit_after_patience_epochs_without_improvement()
    {
        var (train, validation) = LinearData();
        // A metric that never improves after the first epoch (equal is not better).
        var flat = new Metric("flat", false, (o, t) => nn.functional.mse_loss(o, t), () => new Constant());
        var ends = new List<int>();
        var result = nn.Linear(3, 1).Fit(train, validation, Options with { Epochs = 10, Patience = 2, Metric = flat, OnEpochEnd = (p, e, better) => ends.Add(e.Epoch) });

        Assert.True(result.EarlyStopped);
        Assert.Equal(new[] { 1, 2, 3 }, ends);
        Assert.Equal(1, result.Progress.BestEpoch);

        // Resumed from where it stopped (a process killed after saving that epoch), the fit is over: no epoch more.
        var resumed = nn.Linear(3, 1).Fit(train, validation, Options with { Epochs = 10, Patience = 2, Metric = flat, OnEpochEnd = (p, e, better) => ends.Add(e.Epoch) }, resumeFrom: result.Progress);
        Assert.True(resumed.EarlyStopped);
        Assert.Equal(new[] { 1, 2, 3 }, ends);
        Assert.Same(result.Progress, resumed.Progress);
    }

    sealed class Constant : Metric.IAccumulator
    {
        public void Add(Tensor output, Tensor target) { }
        public double Value => 1;
    }

    [Fact]
    public void Step_clips_the_gradient_norm_before_the_update()
    {
        manual_seed(5);
        var model = nn.Linear(4, 1);
        var before = model.parameters().Select(p => p.detach().clone()).ToArray();
        var sgd = optim.SGD(model.parameters(), 1.0);
        var x = 100 * randn(8, 4);
        Fitting.Step(model.forward, sgd, (o, t) => nn.functional.mse_loss(o, t), x, zeros(8, 1), clipGradNorm: 0.01);

        // With SGD at rate 1 the update is −g, so its global norm is the clipped gradient's: 0.01.
        double squares = model.parameters().Zip(before, (p, b) => (p - b).square().sum().item<float>()).Sum();
        Assert.Equal(0.01, Math.Sqrt(squares), 4);
    }

    [Fact]
    public void The_epoch_order_is_a_permutation_fixed_by_seed_and_epoch()
    {
        long[] Order(int seed, int epoch) => Fitting.EpochOrder(50, seed, epoch).data<long>().ToArray();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), Order(7, 0).Order());
        Assert.Equal(Order(7, 3), Order(7, 3));
        Assert.NotEqual(Order(7, 3), Order(7, 4));
        Assert.NotEqual(Order(7, 3), Order(8, 3));
    }

    [Fact]
    public void The_cosine_schedule_falls_from_the_peak_to_one_percent()
    {
        var cosine = LearningRateSchedule.Cosine;
        Assert.Equal(2.0, cosine.At(2.0, 0, 10), 12);
        Assert.Equal(2.0 * (0.01 + 0.99 * 0.5), cosine.At(2.0, 5, 10), 12);
        Assert.Equal(2.0 * (0.01 + 0.99 * 0.5 * (1 + Math.Cos(Math.PI * 9 / 10))), cosine.At(2.0, 9, 10), 12);
        Assert.Equal(2.0, LearningRateSchedule.Constant.At(2.0, 9, 10));
    }
}
