using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Cli.Training;

/// <summary>A task's loss and reported metric, accumulated batch by batch.</summary>
abstract class Metric
{
    /// <summary>"accuracy" or "nrmse".</summary>
    public abstract string Name { get; }
    /// <summary>Whether a larger value is better (for picking the best checkpoint).</summary>
    public abstract bool HigherIsBetter { get; }
    /// <summary>The training loss of a batch.</summary>
    public abstract Tensor Loss(Tensor output, Tensor target);
    /// <summary>A fresh accumulator over batches.</summary>
    public abstract Accumulator Start();

    /// <summary>Sums over the batches of one pass.</summary>
    public abstract class Accumulator
    {
        public abstract void Add(Tensor output, Tensor target);
        public abstract double Value { get; }
    }

    public static Metric Accuracy { get; } = new AccuracyMetric();
    public static Metric Nrmse { get; } = new NrmseMetric();

    /// <summary>Cross-entropy loss; accuracy = correct / total.</summary>
    sealed class AccuracyMetric : Metric
    {
        public override string Name => "accuracy";
        public override bool HigherIsBetter => true;
        public override Tensor Loss(Tensor output, Tensor target) => nn.functional.cross_entropy(output, target);
        public override Accumulator Start() => new Sums();

        sealed class Sums : Accumulator
        {
            long _correct, _total;
            public override void Add(Tensor output, Tensor target)
            {
                using var predicted = output.argmax(-1);
                using var hits = predicted.eq(target).sum();
                _correct += hits.item<long>();
                _total += target.shape[0];
            }
            public override double Value => _total == 0 ? double.NaN : (double)_correct / _total;
        }
    }

    /// <summary>Mean-squared-error loss; NRMSE = RMSE / standard deviation of the target.</summary>
    sealed class NrmseMetric : Metric
    {
        public override string Name => "nrmse";
        public override bool HigherIsBetter => false;
        public override Tensor Loss(Tensor output, Tensor target) => nn.functional.mse_loss(output, target);
        public override Accumulator Start() => new Sums();

        sealed class Sums : Accumulator
        {
            double _squaredError, _sum, _sumSquares;
            long _count;
            public override void Add(Tensor output, Tensor target)
            {
                using var scope = NewDisposeScope();
                var y = target.to_type(ScalarType.Float64);
                _squaredError += (output.to_type(ScalarType.Float64) - y).square().sum().item<double>();
                _sum += y.sum().item<double>();
                _sumSquares += y.square().sum().item<double>();
                _count += y.numel();
            }
            public override double Value
            {
                get
                {
                    double mean = _sum / _count;
                    return Math.Sqrt(_squaredError / _count) / Math.Sqrt(_sumSquares / _count - mean * mean);
                }
            }
        }
    }
}
