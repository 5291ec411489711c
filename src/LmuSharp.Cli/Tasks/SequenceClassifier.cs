using TorchSharp.Modules;

namespace LmuSharp.Cli.Tasks;

/// <summary>An LMU layer read at the last step, dropout, then a linear classifier: [batch, T, features] → logits.</summary>
sealed class SequenceClassifier : nn.Module<Tensor, Tensor>, IExportable
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

    public override Tensor forward(Tensor input)
    {
        var (output, _) = lmu.forward(input, null); // the final state may share tensors with the output
        return classifier.forward(dropout.forward(output));
    }
}
