using TorchSharp.Modules;

namespace LmuSharp.Cli.Tasks;

/// <summary>
/// An LMU layer read at the last step, then (optionally) dropout on its output and a dense ReLU layer, then dropout
/// and a linear classifier: [batch, T, features] → logits. The parallel LMU of 2021 reads its memory this way: the
/// layer without a hidden cell, the dense layer after it, so that dropout can act on the memory itself. The 2019 LMUs
/// keep their RNN hidden cell inside the layer and have no dense layer.
/// </summary>
sealed class SequenceClassifier : nn.Module<Tensor, Tensor>, IExportable, IPrecomputableInput
{
#pragma warning disable IDE1006 // field names are the state_dict prefixes
    readonly Lmu lmu;
    readonly FastDropout? memory_dropout;
    readonly Linear? dense;
    readonly FastDropout? dropout;
    readonly Linear classifier;
#pragma warning restore IDE1006

    /// <summary>Builds the classifier around <paramref name="lmu"/>.</summary>
    /// <param name="lmu">The LMU layer (its last output is read).</param>
    /// <param name="classes">Output classes.</param>
    /// <param name="dropout">Dropout before the classifier.</param>
    /// <param name="dense">Units of the dense ReLU layer after the LMU (0: none).</param>
    /// <param name="memoryDropout">Dropout on the LMU's output before the dense layer.</param>
    public SequenceClassifier(Lmu lmu, int classes, double dropout, int dense = 0, double memoryDropout = 0)
        : base(nameof(SequenceClassifier))
    {
        this.lmu = lmu;
        int features = lmu.Options.OutputSize;
        if (dense > 0)
        {
            if (memoryDropout > 0) memory_dropout = new FastDropout(memoryDropout);
            this.dense = nn.Linear(features, dense);
            features = dense;
        }
        if (dropout > 0) this.dropout = new FastDropout(dropout);
        classifier = nn.Linear(features, classes);
        RegisterComponents();
    }

    /// <summary>The LMU layer, the dense layer if any, then the classifier as a dense head (the runtime gives logits at every step).</summary>
    public ModelExport ToExport()
    {
        var export = new ModelExport(lmu.Options.InputSize).Add(lmu);
        if (dense is not null) export.AddDense(dense, Activation.Relu);
        return export.AddDense(classifier);
    }

    public override Tensor forward(Tensor input) => Head(lmu.forward(input, null).Output); // the state may share tensors with the output

    /// <summary>True when the LMU's last state is a fixed linear function of the data (<see cref="Lmu.CanPrecomputeInput"/>).</summary>
    public bool CanPrecompute => lmu.CanPrecomputeInput;

    /// <summary>The LMU's data-only part (<see cref="Lmu.PrecomputeInput"/>).</summary>
    public Tensor Precompute(Tensor input) => lmu.PrecomputeInput(input);

    /// <summary>The classifier on precomputed features: equals <see cref="forward"/> on the input they came from.</summary>
    public Tensor ForwardPrecomputed(Tensor features) => Head(lmu.ForwardPrecomputed(features).Output);

    /// <summary>
    /// The training loss on precomputed features: with a dense layer and the cross-entropy of <see cref="Metric.Accuracy"/>,
    /// <see cref="LmuClassifierLoss"/> (one autograd node on CPU), else the metric's loss of <see cref="ForwardPrecomputed"/>.
    /// </summary>
    public Tensor LossPrecomputed(Tensor features, Tensor targets, Metric metric) =>
        dense is not null && ReferenceEquals(metric, Metric.Accuracy)
            ? LmuClassifierLoss.CrossEntropy(lmu, features, memory_dropout, dense, dropout, classifier, targets)
            : metric.Loss(ForwardPrecomputed(features), targets);

    /// <summary>
    /// The training loss of <see cref="LossPrecomputed"/> with its gradients computed directly (<see cref="LmuClassifierGradients"/>,
    /// no autograd graph) when the model has a dense layer, the metric is accuracy and the parameters are on the CPU; else null.
    /// </summary>
    public IBatchGradients? GradientsPrecomputed(Metric metric) =>
        dense is not null && ReferenceEquals(metric, Metric.Accuracy) && LmuClassifierGradients.IsSupported(lmu, dense, classifier)
            ? new LmuClassifierGradients(lmu, memory_dropout, dense, dropout, classifier)
            : null;

    /// <summary>The LMU layer.</summary>
    public Lmu Layer => lmu;

    /// <summary>Everything after the LMU layer: its output [batch, features] → logits.</summary>
    public Tensor Head(Tensor o)
    {
        if (dense is not null) return DenseHead.Forward(o, memory_dropout, dense, dropout, classifier);
        return classifier.forward(dropout?.forward(o) ?? o);
    }
}
