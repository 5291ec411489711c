using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>
/// A model whose first stage is a fixed function of its input: nothing that stage depends on is trained. A trainer
/// applies <see cref="Precompute"/> once to each data split and then trains on the result epoch after epoch, with
/// <see cref="ForwardPrecomputed"/> in place of <c>forward</c>. Exact (the same function, computed in another order),
/// not an approximation.
/// </summary>
public interface IPrecomputableInput
{
    /// <summary>True when the model's current options have such a stage (for example, false when θ is trained).</summary>
    bool CanPrecompute { get; }

    /// <summary>The fixed stage on a batch: input [N, …] → features [N, F], without gradient.</summary>
    /// <param name="input">A batch of the model's inputs.</param>
    /// <exception cref="InvalidOperationException"><see cref="CanPrecompute"/> is false.</exception>
    Tensor Precompute(Tensor input);

    /// <summary>The rest of the model: <c>ForwardPrecomputed(Precompute(x))</c> equals <c>forward(x)</c> up to rounding, gradients included.</summary>
    /// <param name="features">[N, F] rows of <see cref="Precompute"/>'s output.</param>
    Tensor ForwardPrecomputed(Tensor features);

    /// <summary>
    /// The training loss of a batch of <see cref="Precompute"/>'s rows: <c>metric.Loss(ForwardPrecomputed(features), targets)</c>,
    /// which a model may compute in fewer steps (e.g. <see cref="LmuClassifierLoss"/>), with the same value and gradients.
    /// </summary>
    /// <param name="features">[N, F] rows of <see cref="Precompute"/>'s output.</param>
    /// <param name="targets">The batch's targets.</param>
    /// <param name="metric">The metric whose loss is asked for.</param>
    Tensor LossPrecomputed(Tensor features, Tensor targets, Metric metric) => metric.Loss(ForwardPrecomputed(features), targets);

    /// <summary>
    /// The training loss of <see cref="LossPrecomputed"/> with its gradients computed directly into the parameters'
    /// <c>grad</c> (<see cref="IBatchGradients"/>; e.g. <see cref="LmuClassifierGradients"/>), or null when the model has
    /// no such path for this metric, device and dtype. The caller disposes it.
    /// </summary>
    /// <param name="metric">The metric whose loss is asked for.</param>
    IBatchGradients? GradientsPrecomputed(Metric metric) => null;
}
