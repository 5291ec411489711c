using LmuSharp.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Cli.Tasks;

/// <summary>An LMU layer read at the last step, dropout, then a linear classifier: [batch, T, features] → logits.</summary>
sealed class SequenceClassifier : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the state_dict prefixes
    readonly nn.Module<Tensor, LmuState?, (Tensor Output, LmuState State)> lmu;
    readonly Dropout dropout;
    readonly Linear classifier;
#pragma warning restore IDE1006

    public SequenceClassifier(nn.Module<Tensor, LmuState?, (Tensor Output, LmuState State)> lmu, int features, int classes, double dropout)
        : base(nameof(SequenceClassifier))
    {
        this.lmu = lmu;
        this.dropout = nn.Dropout(dropout);
        classifier = nn.Linear(features, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var (output, _) = lmu.forward(input, null); // the final state may share tensors with the output
        return classifier.forward(dropout.forward(output));
    }
}
