using System.Numerics;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;
using static LmuSharp.Torch.Recurrence.TensorMemory;

namespace LmuSharp.Torch.Training;

/// <summary>
/// Autograd function of <see cref="DenseHead"/>: y = W₂ h̃ + b₂ with h̃ = r₂ ⊙ relu(W₁ x̃ + b₁) and x̃ = r₁ ⊙ x.
/// Arguments: x [N, F] contiguous CPU float32 or float64, r₁ [N, F] or null, W₁ [H, F], b₁ [H] or null,
/// r₂ [N, H] or null, W₂ [K, H], b₂ [K] or null (masks of x's dtype). The products run as libtorch matrix products,
/// the element-wise steps in C#; x̃ and h̃ are kept for backward:
/// <code>
/// ∂W₂ = ∂yᵀ h̃,  ∂b₂ = Σ_n ∂y,  ∂h = [h̃ &gt; 0] ⊙ r₂ ⊙ (∂y W₂),  ∂W₁ = ∂hᵀ x̃,  ∂b₁ = Σ_n ∂h,  ∂x = r₁ ⊙ (∂h W₁)
/// </code>
/// (h̃ &gt; 0 exactly where the ReLU passed and the mask kept, the only places ∂h is not zero.)
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
        var xd = r1 is null ? x.alias() : Multiply(x, r1);
        var h = Affine(xd, w1, b1);
        ReluMasked(h, r2);
        ctx.save_for_backward([xd, h, r1!, r2!, w1, w2]);
        ctx.save_data("inputGrad", x.requires_grad);
        ctx.save_data("biases", (b1 is not null, b2 is not null));
        return Affine(h, w2, b2);
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
            var gradW2 = dy.t().mm(h);
            var gradB2 = bias2 ? dy.sum(dim: 0) : null;
            var dh = dy.mm(w2);
            ReluMaskedBackward(dh, h, r2);
            var gradW1 = dh.t().mm(xd);
            var gradB1 = bias1 ? dh.sum(dim: 0) : null;
            Tensor? gradX = null;
            if ((bool)ctx.get_data("inputGrad"))
            {
                gradX = dh.mm(w1);
                if (r1 is not null) MultiplyInPlace(gradX, r1);
            }
            dh.Dispose();
            return [gradX!, null!, gradW1, gradB1!, null!, gradW2, gradB2!];
        }
        finally
        {
            foreach (var t in saved) t?.Dispose();
            gradOutput.Dispose(); // a handle TorchSharp made for this call
        }
    }

    /// <summary>a Wᵀ + b (b may be null).</summary>
    static Tensor Affine(Tensor a, Tensor w, Tensor? b)
    {
        using var wt = w.t();
        return b is null ? a.mm(wt) : addmm(b, a, wt, beta: 1, alpha: 1);
    }

    /// <summary>a ⊙ mask into a new tensor.</summary>
    static Tensor Multiply(Tensor a, Tensor mask)
    {
        var result = empty_like(a);
        if (a.dtype == ScalarType.Float32) Multiply<float>(a, mask, result);
        else Multiply<double>(a, mask, result);
        return result;
    }

    /// <summary>a ← a ⊙ mask.</summary>
    static void MultiplyInPlace(Tensor a, Tensor mask)
    {
        if (a.dtype == ScalarType.Float32) Multiply<float>(a, mask, a);
        else Multiply<double>(a, mask, a);
    }

    static unsafe void Multiply<T>(Tensor a, Tensor mask, Tensor result) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = checked((int)a.numel());
        System.Numerics.Tensors.TensorPrimitives.Multiply(new ReadOnlySpan<T>(Pointer<T>(a), n), new ReadOnlySpan<T>(Pointer<T>(mask), n), new Span<T>(Pointer<T>(result), n));
    }

    /// <summary>h ← r ⊙ relu(h) in place (r may be null).</summary>
    static void ReluMasked(Tensor h, Tensor? r)
    {
        if (h.dtype == ScalarType.Float32) ReluMasked<float>(h, r);
        else ReluMasked<double>(h, r);
    }

    static unsafe void ReluMasked<T>(Tensor h, Tensor? r) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = checked((int)h.numel());
        var values = new Span<T>(Pointer<T>(h), n);
        System.Numerics.Tensors.TensorPrimitives.Max(values, T.Zero, values);
        if (r is not null) System.Numerics.Tensors.TensorPrimitives.Multiply(values, new ReadOnlySpan<T>(Pointer<T>(r), n), values);
    }

    /// <summary>∂h ← [h̃ &gt; 0] ⊙ r ⊙ ∂h in place (r may be null).</summary>
    static void ReluMaskedBackward(Tensor grad, Tensor h, Tensor? r)
    {
        if (h.dtype == ScalarType.Float32) ReluMaskedBackward<float>(grad, h, r);
        else ReluMaskedBackward<double>(grad, h, r);
    }

    static unsafe void ReluMaskedBackward<T>(Tensor grad, Tensor h, Tensor? r) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = checked((int)h.numel()), width = Vector<T>.Count;
        T* g = Pointer<T>(grad), hp = Pointer<T>(h), rp = Pointer<T>(r);
        int i = 0;
        for (; i <= n - width; i += width)
        {
            var scale = rp is null ? Vector<T>.One : Vector.Load(rp + i);
            Vector.ConditionalSelect(Vector.GreaterThan(Vector.Load(hp + i), Vector<T>.Zero), Vector.Load(g + i) * scale, Vector<T>.Zero).Store(g + i);
        }
        for (; i < n; i++) g[i] = hp[i] > T.Zero ? g[i] * (rp is null ? T.One : rp[i]) : T.Zero;
    }
}
