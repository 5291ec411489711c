using TorchSharp.Modules;

namespace LmuSharp.Cli.Benchmarks.Workloads;

/// <summary>
/// One psMNIST training step as `lmu train psmnist --model M` takes it: the model <see cref="PsMnistTask"/> builds from
/// its own default configuration for M (seeded as the trainer seeds it, in training mode), Adam at the configured
/// learning rate over all its parameters, the task's loss; then forward, loss, backward and the Adam update on one
/// batch. When the model has a fixed first stage (<see cref="IPrecomputableInput"/>), the trainer applies it once per
/// data set and steps on its output, so this step does too; <see cref="Precomputed"/> says so. The pixels and labels
/// are random: values do not change the cost of a step.
/// </summary>
public sealed class PsMnistTrainStep : IWorkload
{
    /// <summary>psMNIST's sequence length: one step per pixel.</summary>
    public const int Pixels = 784;

    /// <summary>
    /// The variants timed: each model the task trains, with its default mode, and the default model forced to the
    /// sequential mode (the comparison the parallel form is for). Written <c>model</c> or <c>model:mode</c>.
    /// </summary>
    public static IReadOnlyList<string> Variants { get; } = ["lmu-parallel", "lmu-parallel:sequential", "lmu-no-feedback", "lmu"];

    readonly nn.Module<Tensor, Tensor> _model;
    readonly OptimizerHelper _adam;
    readonly Metric _metric;
    readonly Func<Tensor, Tensor, Tensor> _loss;
    readonly IBatchGradients? _gradients;
    readonly Tensor _x, _y;

    /// <summary>Builds the model of <paramref name="variant"/> (see <see cref="Variants"/>) and a batch.</summary>
    /// <param name="variant"><c>model</c> or <c>model:mode</c>, the mode overriding the task's default.</param>
    /// <param name="length">Time steps of the batch (shorter than <see cref="Pixels"/> only to save time; the model is unchanged).</param>
    /// <param name="batch">Samples in the batch (0: the task's default batch size).</param>
    public PsMnistTrainStep(string variant, int length = Pixels, int batch = 0)
    {
        (Config, _model, _adam, _metric) = Build(variant);
        Batch = batch > 0 ? batch : Config.BatchSize;
        Length = length;
        Parameters = _model.parameters().Sum(p => p.numel());
        Mode = _model.children().OfType<Lmu>().Single().Mode;
        using var pixels = rand(Batch, length, 1);
        if (_model is IPrecomputableInput { CanPrecompute: true } fixedStage)
            (_x, Precomputed) = (fixedStage.Precompute(pixels), true);
        else _x = pixels.alias();
        _loss = Trainer.BatchLoss(_model, Precomputed, _metric);
        _gradients = Trainer.BatchGradients(_model, Precomputed, _metric);
        _y = randint(0, 10, [Batch]);
        // First-call costs (JIT, kernel caches) on an 8-step prefix: a full-length warm-up of the stepped models takes seconds.
        using var prefix = Precomputed ? _x.alias() : _x[.., ..Math.Min(8, length)];
        Run(prefix);
    }

    /// <summary>The model of <paramref name="variant"/> as the trainer builds it (seeded, in training mode), its Adam and its metric.</summary>
    internal static (TrainConfig Config, nn.Module<Tensor, Tensor> Model, OptimizerHelper Adam, Metric Metric) Build(string variant)
    {
        var task = TaskRegistry.Get("psmnist");
        var parts = variant.Split(':');
        var config = task.Defaults(parts[0]);
        if (parts.Length > 1) config = config with { Mode = parts[1] };
        config.Validate();
        manual_seed(config.Seed); // as the trainer seeds before building
        var model = task.Build(config);
        model.train();
        return (config, model, optim.Adam(model.parameters(), config.LearningRate), task.Metric);
    }

    /// <summary>The configuration the model was built from: the task's defaults, the mode as the variant says.</summary>
    internal TrainConfig Config { get; }

    /// <summary>The mode the model's LMU layer runs in (what the configured mode resolves to).</summary>
    public LmuMode Mode { get; }

    /// <summary>True when the step runs on the model's precomputed input (the fixed memory's windows), as the trainer's does.</summary>
    public bool Precomputed { get; }

    /// <summary>Trainable parameters of the model.</summary>
    public long Parameters { get; }

    /// <summary>Samples per step.</summary>
    public int Batch { get; }

    /// <summary>Time steps per sample.</summary>
    public int Length { get; }

    /// <summary>The model in words: name, mode and sizes.</summary>
    public string Description => $"{Config.Model} (mode {Config.Mode}, runs {Mode.ToString().ToLowerInvariant()}): order {Config.Order}, θ = {Config.Theta:0}, hidden {Config.Hidden}, {Parameters:N0} parameters{(Precomputed ? ", on the precomputed input windows" : "")}";

    /// <summary>Forward, loss, backward, Adam.</summary>
    public void Step() => Run(_x);

    void Run(Tensor x)
    {
        using var scope = NewDisposeScope();
        if (_gradients is not null) Fitting.Step(_gradients, _adam, x, _y); // the trainer's own step
        else Trainer.Step(_loss, _adam, x, _y);
    }

    /// <summary>Frees the model, the optimiser and the batch.</summary>
    public void Dispose()
    {
        _gradients?.Dispose();
        _adam.Dispose();
        _model.Dispose();
        _x.Dispose();
        _y.Dispose();
    }
}
