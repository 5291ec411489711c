using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>
/// Inputs [N, T, features] (or whatever a model's forward takes, batched on dimension 0) and targets
/// (class indices [N], or values [N, …]) of one split, like PyTorch's <c>TensorDataset</c>. A batch is the
/// rows <c>index_select</c> picks from both, so a split may hold raw inputs or any fixed transform of them
/// computed once (a model's untrained front end applied to the whole split, say): the training loop only
/// ever sees these tensors.
/// </summary>
/// <param name="Inputs">The inputs, samples on dimension 0.</param>
/// <param name="Targets">The targets, samples on dimension 0.</param>
public sealed record TensorDataset(Tensor Inputs, Tensor Targets) : IDisposable
{
    /// <summary>The number of samples.</summary>
    public long Count => Inputs.size(0);

    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
    }
}
