using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>
/// Two dense layers with inverted dropout before each and a ReLU between them, the classifier head of the parallel
/// LMU (memory → dropout → dense ReLU → dropout → classes):
/// <code>
/// y = W₂ (r₂ ⊙ relu(W₁ (r₁ ⊙ x) + b₁)) + b₂,   r_i ∈ {0, 1/(1 − p_i)} drawn by the <see cref="FastDropout"/> layers
/// </code>
/// In training on CPU in float32 or float64 the head is one autograd node (<see cref="DenseHeadFunction"/>): the
/// masks, the bias and the ReLU run in C# next to the four matrix products, instead of a dozen tensor operations and
/// autograd nodes, which cost more than the products at the sizes of the parallel LMU. Anywhere else (evaluation, no
/// gradient, other devices) it composes the modules. Both give the same values and gradients.
/// </summary>
public static class DenseHead
{
    /// <summary>The head on <paramref name="input"/> [batch, features] with the given modules.</summary>
    /// <param name="input">x, [batch, hidden.in_features].</param>
    /// <param name="inputDropout">Dropout on x (null: none).</param>
    /// <param name="hidden">The dense layer W₁, b₁ (followed by ReLU).</param>
    /// <param name="hiddenDropout">Dropout on the ReLU's output (null: none).</param>
    /// <param name="output">The output layer W₂, b₂.</param>
    public static Tensor Forward(Tensor input, FastDropout? inputDropout, Linear hidden, FastDropout? hiddenDropout, Linear output)
    {
        long features = hidden.weight!.shape[1];
        if (input.dim() != 2 || input.shape[1] != features)
            throw new ArgumentException($"input must be [batch, {features}] (the hidden layer's in_features), got [{string.Join(", ", input.shape)}].", nameof(input));
        if (!Fused(input, hidden, output)) return Composed(input, inputDropout, hidden, hiddenDropout, output);
        using var inputMask = inputDropout?.TrainingMask(input.shape, input.dtype);
        using var hiddenMask = hiddenDropout?.TrainingMask([input.shape[0], hidden.weight.shape[0]], input.dtype);
        return DenseHeadFunction.apply(input.contiguous(), inputMask, hidden.weight, hidden.bias, hiddenMask, output.weight!, output.bias);
    }

    /// <summary>The modules one after another: the reference the fused node equals.</summary>
    internal static Tensor Composed(Tensor input, FastDropout? inputDropout, Linear hidden, FastDropout? hiddenDropout, Linear output)
    {
        var h = nn.functional.relu(hidden.forward(inputDropout?.forward(input) ?? input));
        return output.forward(hiddenDropout?.forward(h) ?? h);
    }

    static bool Fused(Tensor input, Linear hidden, Linear output) =>
        is_grad_enabled() && input.device_type == TorchSharp.DeviceType.CPU
        && input.dtype is ScalarType.Float32 or ScalarType.Float64
        && hidden.weight!.dtype == input.dtype && output.weight!.dtype == input.dtype
        && (input.requires_grad || hidden.weight.requires_grad || output.weight.requires_grad);
}
