using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace LmuSharp.Torch.Training;

/// <summary>
/// Autograd function of <see cref="DenseHead"/>: y = W₂ h̃ + b₂ with h̃ = r₂ ⊙ relu(W₁ x̃ + b₁) and x̃ = r₁ ⊙ x
/// (<see cref="DenseHeadKernel"/> holds the math, forward and backward). Arguments: x [N, F] contiguous CPU float32 or
/// float64, r₁ [N, F] or null, W₁ [H, F], b₁ [H] or null, r₂ [N, H] or null, W₂ [K, H], b₂ [K] or null (masks of x's
/// dtype). x̃ and h̃ are kept for backward; ∂x = r₁ ⊙ ∂x̃.
/// </summary>
internal sealed class DenseHeadFunction : SingleTensorFunction<DenseHeadFunction>
{
    /// <inheritdoc/>
    public override string Name => nameof(DenseHead);

    /// <inheritdoc/>
    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (x, r1, w1, b1) = ((Tensor)vars[0], vars[1] as Tensor, (Tensor)vars[2], vars[3] as Tensor);
        var (r2, w2, b2) = (vars[4] as Tensor, (Tensor)vars[5], vars[6] as Tensor);
        var xd = r1 is null ? x.alias() : DenseHeadKernel.Multiply(x, r1);
        var (h, y) = DenseHeadKernel.Forward(xd, w1, b1, r2, w2, b2);
        ctx.save_for_backward([xd, h, r1!, r2!, w1, w2]);
        ctx.save_data("inputGrad", x.requires_grad);
        ctx.save_data("biases", (b1 is not null, b2 is not null));
        return y;
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
    {
        var saved = ctx.get_saved_variables(); // fresh handles, released below with gradOutput's
        try
        {
            var (xd, h, r1, r2, w1, w2) = (saved[0], saved[1], saved[2], saved[3], saved[4], saved[5]);
            var (bias1, bias2) = ((bool, bool))ctx.get_data("biases");
            using var dy = gradOutput.contiguous();
            var (gradX, gradW1, gradB1, gradW2, gradB2) = DenseHeadKernel.Backward(dy, xd, h, r2, w1, bias1, w2, bias2, (bool)ctx.get_data("inputGrad"));
            if (gradX is not null && r1 is not null) DenseHeadKernel.MultiplyInPlace(gradX, r1);
            return [gradX!, null!, gradW1, gradB1!, null!, gradW2, gradB2!];
        }
        finally
        {
            foreach (var t in saved) t?.Dispose();
            gradOutput.Dispose(); // a handle TorchSharp made for this call
        }
    }
}
