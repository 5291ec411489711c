using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace LmuSharp.Torch.Training;

/// <summary>
/// Autograd function of <see cref="LmuClassifierLoss"/>: the mean cross-entropy of the parallel LMU classifier on
/// its precomputed memory windows, as one node. Arguments: the windows [N, C + 1, d] (Z's C rows, then S; contiguous
/// CPU float32 or float64), W_x [K, C], b [K] or null, r_x [N, C] or null (the input dropout mask), r_m [N, K·d] or null,
/// W₁ [H, K·d], b₁ [H] or null, r₂ [N, H] or null, W₂ [Q, H], b₂ [Q] or null, the targets [N] (int64 in [0, Q)):
/// <code>
/// M̃[n, k] = r_m ⊙ (Σ_c W_x[k, c] r_x[n, c] Z[n, c] + b[k] S[n])         the last memory state, masked
/// p = softmax(<see cref="DenseHeadKernel"/>(M̃)),   loss = −(1/N) Σ_n log p[n, y_n]
/// ∂z = (p − onehot(y)) / N,   ∂M = r_m ⊙ ∂M̃,   ∂W_x[k, c] = Σ_n r_x[n, c] ⟨∂M[n, k], Z[n, c]⟩,   ∂b[k] = Σ_n ⟨∂M[n, k], S[n]⟩
/// </code>
/// (<see cref="LmuClassifierKernel"/>). The windows are data: no gradient flows to them, nor to the masks and targets.
/// </summary>
internal sealed class LmuClassifierLossFunction : SingleTensorFunction<LmuClassifierLossFunction>
{
    /// <inheritdoc/>
    public override string Name => nameof(LmuClassifierLoss);

    /// <inheritdoc/>
    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (windows, wx, bx, rx, rm) = ((Tensor)vars[0], (Tensor)vars[1], vars[2] as Tensor, vars[3] as Tensor, vars[4] as Tensor);
        var (w1, b1, r2, w2, b2, targets) = ((Tensor)vars[5], vars[6] as Tensor, vars[7] as Tensor, (Tensor)vars[8], vars[9] as Tensor, (Tensor)vars[10]);
        var m = empty(windows.shape[0], wx.shape[0] * windows.shape[2], windows.dtype);
        LmuClassifierKernel.Encode(windows, wx, bx, rx, rm, m);
        var (h, p) = DenseHeadKernel.Forward(m, w1, b1, r2, w2, b2);
        var loss = tensor(LmuClassifierKernel.SoftmaxCrossEntropy(p, targets), dtype: p.dtype);
        ctx.save_for_backward([windows, wx, rx!, rm!, m, h, r2!, w1, w2, p, targets]);
        ctx.save_data("biases", (bx is not null, b1 is not null, b2 is not null));
        return loss;
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
    {
        var saved = ctx.get_saved_variables(); // fresh handles, released below with gradOutput's
        try
        {
            var (windows, wx, rx, rm, m, h, r2) = (saved[0], saved[1], saved[2], saved[3], saved[4], saved[5], saved[6]);
            var (w1, w2, p, targets) = (saved[7], saved[8], saved[9], saved[10]);
            var (biasX, bias1, bias2) = ((bool, bool, bool))ctx.get_data("biases");
            using var dz = empty_like(p);
            LmuClassifierKernel.LogitGradient(p, targets, gradOutput.to_type(ScalarType.Float64).item<double>(), dz);
            var (dm, gradW1, gradB1, gradW2, gradB2) = DenseHeadKernel.Backward(dz, m, h, r2, w1, bias1, w2, bias2, inputGrad: true);
            using (dm)
            {
                if (rm is not null) DenseHeadKernel.MultiplyInPlace(dm!, rm);
                var (gradWx, gradBx) = (empty_like(wx), biasX ? empty(wx.shape[0], dtype: wx.dtype) : null);
                LmuClassifierKernel.EncodeBackward(dm!, windows, rx, gradWx, gradBx);
                return [null!, gradWx, gradBx!, null!, null!, gradW1, gradB1!, null!, gradW2, gradB2!, null!];
            }
        }
        finally
        {
            foreach (var t in saved) t?.Dispose();
            gradOutput.Dispose(); // a handle TorchSharp made for this call
        }
    }
}
