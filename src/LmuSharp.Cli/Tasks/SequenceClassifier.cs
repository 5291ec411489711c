using TorchSharp.Modules;

namespace LmuSharp.Cli.Tasks;

/// <summary>An LMU layer read at the last step, dropout, then a linear classifier: [batch, T, features] → logits.</summary>
sealed class SequenceClassifier : nn.Module<Tensor, Tensor>, IExportable, IPrecomputableInput
{
#pragma warning disable IDE1006 // field names are the state_dict prefixes
    readonly Lmu lmu;
    readonly Dropout dropout;
    readonly Linear classifier;
#pragma warning restore IDE1006

    public SequenceClassifier(Lmu lmu, int features, int classes, double dropout)
        : base(nameof(SequenceClassifier))
    {
        this.lmu = lmu;
        this.dropout = nn.Dropout(dropout);
        classifier = nn.Linear(features, classes);
        RegisterComponents();
    }

    /// <summary>The LMU layer, then the classifier as a dense head (the runtime gives logits at every step).</summary>
    public ModelExport ToExport() => new ModelExport(lmu.Options.InputSize).Add(lmu).AddDense(classifier);

    public override Tensor forward(Tensor input) => Head(lmu.forward(input, null).Output); // the state may share tensors with the output

    /// <summary>True when the LMU's last state is a fixed linear function of the data (<see cref="Lmu.CanPrecomputeInput"/>).</summary>
    public bool CanPrecompute => lmu.CanPrecomputeInput;

    /// <summary>The LMU's data-only part (<see cref="Lmu.PrecomputeInput"/>).</summary>
    public Tensor Precompute(Tensor input) => lmu.PrecomputeInput(input);

    /// <summary>The classifier on precomputed features: equals <see cref="forward"/> on the input they came from.</summary>
    public Tensor ForwardPrecomputed(Tensor features) => Head(lmu.ForwardPrecomputed(features).Output);

    Tensor Head(Tensor lmuOutput) => classifier.forward(dropout.forward(lmuOutput));
}
