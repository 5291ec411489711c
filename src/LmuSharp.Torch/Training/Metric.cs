using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>A loss to train with and the figure to report and pick the best epoch by, accumulated batch by batch.</summary>
/// <param name="Name">The figure's name, e.g. "accuracy", "nrmse", "rmse".</param>
/// <param name="HigherIsBetter">Whether a larger value is better (for picking the best checkpoint).</param>
/// <param name="Loss">The training loss of a batch: (output, target) → scalar.</param>
/// <param name="Start">A fresh accumulator over the batches of one pass.</param>
public sealed record Metric(string Name, bool HigherIsBetter, Func<Tensor, Tensor, Tensor> Loss, Func<Metric.IAccumulator> Start)
{
    /// <summary>Cross-entropy loss; accuracy = correct / total.</summary>
    public static Metric Accuracy { get; } = new("accuracy", true, (o, t) => nn.functional.cross_entropy(o, t), () => new AccuracySums());

    /// <summary>Mean-squared-error loss; NRMSE = RMSE / standard deviation of the target.</summary>
    public static Metric Nrmse { get; } = new("nrmse", false, (o, t) => nn.functional.mse_loss(o, t), () => new NrmseSums());

    /// <summary>Mean-squared-error loss; RMSE = √(mean squared error), in the targets' units.</summary>
    public static Metric Rmse { get; } = new("rmse", false, (o, t) => nn.functional.mse_loss(o, t), () => new RmseSums());

    /// <summary>Sums over the batches of one pass.</summary>
    public interface IAccumulator
    {
        /// <summary>Adds a batch's outputs and targets.</summary>
        void Add(Tensor output, Tensor target);

        /// <summary>The metric over the batches added so far.</summary>
        double Value { get; }
    }

    sealed class AccuracySums : IAccumulator
    {
        long _correct, _total;

        public void Add(Tensor output, Tensor target)
        {
            using var predicted = output.argmax(-1);
            using var hits = predicted.eq(target).sum();
            _correct += hits.item<long>();
            _total += target.shape[0];
        }

        public double Value => _total == 0 ? double.NaN : (double)_correct / _total;
    }

    sealed class NrmseSums : IAccumulator
    {
        double _squaredError, _sum, _sumSquares;
        long _count;

        public void Add(Tensor output, Tensor target)
        {
            using var scope = NewDisposeScope();
            var y = target.to_type(ScalarType.Float64);
            _squaredError += (output.to_type(ScalarType.Float64) - y).square().sum().item<double>();
            _sum += y.sum().item<double>();
            _sumSquares += y.square().sum().item<double>();
            _count += y.numel();
        }

        public double Value => Math.Sqrt(_squaredError / _count) / Math.Sqrt(_sumSquares / _count - Math.Pow(_sum / _count, 2));
    }

    sealed class RmseSums : IAccumulator
    {
        double _squaredError;
        long _count;

        public void Add(Tensor output, Tensor target)
        {
            using var scope = NewDisposeScope();
            _squaredError += (output.to_type(ScalarType.Float64) - target.to_type(ScalarType.Float64)).square().sum().item<double>();
            _count += target.numel();
        }

        public double Value => Math.Sqrt(_squaredError / _count);
    }
}
