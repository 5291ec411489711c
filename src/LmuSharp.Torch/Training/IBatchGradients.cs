using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>
/// A model's training loss on a batch computed together with its gradients, written straight into the parameters'
/// <c>grad</c> without an autograd graph: what forward, loss and <c>backward()</c> give, in fewer steps. <see cref="Fitting"/>
/// uses one in place of its loss function when given (<see cref="IPrecomputableInput.GradientsPrecomputed"/>).
/// </summary>
public interface IBatchGradients : IDisposable
{
    /// <summary>
    /// Computes the batch's loss and sets the <c>grad</c> of every trainable parameter of the model to ∂loss/∂p
    /// (overwritten, not added to); returns the loss.
    /// </summary>
    /// <param name="inputs">The batch's inputs (rows of the splits the trainer holds).</param>
    /// <param name="targets">The batch's targets.</param>
    double Compute(Tensor inputs, Tensor targets);
}
