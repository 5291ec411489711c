using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using static TorchSharp.torch;
using static LmuSharp.Torch.Recurrence.TensorMemory;

namespace LmuSharp.Torch.Training;

/// <summary>
/// The math of <see cref="DenseHead"/> on CPU, forward and backward, for the autograd nodes that contain it
/// (<see cref="DenseHeadFunction"/>, <see cref="LmuClassifierLossFunction"/>): y = W₂ h̃ + b₂ with
/// h̃ = r₂ ⊙ relu(W₁ x̃ + b₁), x̃ the (already masked) input. The four matrix products are <see cref="Blas"/> calls into
/// fresh tensors; biases, ReLU and masks are element-wise passes in C#:
/// <code>
/// ∂W₂ = ∂yᵀ h̃,  ∂b₂ = Σ_n ∂y,  ∂h = [h̃ &gt; 0] ⊙ r₂ ⊙ (∂y W₂),  ∂W₁ = ∂hᵀ x̃,  ∂b₁ = Σ_n ∂h,  ∂x̃ = ∂h W₁
/// </code>
/// (h̃ &gt; 0 exactly where the ReLU passed and the mask kept, the only places ∂h is not zero.) Tensors are contiguous,
/// float32 or float64, masks of the same dtype.
/// </summary>
internal static class DenseHeadKernel
{
    /// <summary>(h̃ [N, H], y [N, K]) from x̃ [N, F], W₁ [H, F], b₁ [H] or null, r₂ [N, H] or null, W₂ [K, H], b₂ [K] or null.</summary>
    public static (Tensor Hidden, Tensor Output) Forward(Tensor x, Tensor w1, Tensor? b1, Tensor? r2, Tensor w2, Tensor? b2)
    {
        var h = Affine(x, w1, b1);
        ReluMasked(h, r2);
        return (h, Affine(h, w2, b2));
    }

    /// <summary>
    /// The gradients for ∂y [N, K]: (∂x̃ or null when <paramref name="inputGrad"/> is false, ∂W₁, ∂b₁ or null, ∂W₂, ∂b₂ or null).
    /// </summary>
    public static (Tensor? Input, Tensor W1, Tensor? B1, Tensor W2, Tensor? B2) Backward(Tensor dy, Tensor x, Tensor h, Tensor? r2,
        Tensor w1, bool bias1, Tensor w2, bool bias2, bool inputGrad)
    {
        var gradW2 = Product(dy, true, h, false);
        var gradB2 = bias2 ? ColumnSums(dy) : null;
        var dh = Product(dy, false, w2, false);
        ReluMaskedBackward(dh, h, r2);
        var gradW1 = Product(dh, true, x, false);
        var gradB1 = bias1 ? ColumnSums(dh) : null;
        var gradX = inputGrad ? Product(dh, false, w1, false) : null;
        dh.Dispose();
        return (gradX, gradW1, gradB1, gradW2, gradB2);
    }

    /// <summary>op(a) op(b) into a new tensor (op = transpose where the flag is set).</summary>
    public static Tensor Product(Tensor a, bool transposeA, Tensor b, bool transposeB)
    {
        var c = empty(transposeA ? a.shape[1] : a.shape[0], transposeB ? b.shape[0] : b.shape[1], a.dtype);
        Blas.Gemm(c, a, transposeA, b, transposeB);
        return c;
    }

    /// <summary>a Wᵀ + b (b may be null) into a new tensor: the bias fills each row, the product adds to it.</summary>
    static Tensor Affine(Tensor a, Tensor w, Tensor? b)
    {
        var c = empty(a.shape[0], w.shape[0], a.dtype);
        if (b is not null)
        {
            if (a.dtype == ScalarType.Float32) FillRows<float>(c, b);
            else FillRows<double>(c, b);
        }
        Blas.Gemm(c, a, false, w, true, beta: b is null ? 0 : 1);
        return c;
    }

    static unsafe void FillRows<T>(Tensor c, Tensor row) where T : unmanaged
    {
        int rows = (int)c.shape[0], width = (int)c.shape[1];
        var source = new ReadOnlySpan<T>(Pointer<T>(row), width);
        T* target = Pointer<T>(c);
        for (int n = 0; n < rows; n++) source.CopyTo(new Span<T>(target + (long)n * width, width));
    }

    /// <summary>Σ_n a[n, :] into a new [width] tensor.</summary>
    public static Tensor ColumnSums(Tensor a)
    {
        var sums = zeros(a.shape[1], a.dtype);
        if (a.dtype == ScalarType.Float32) ColumnSums<float>(a, sums);
        else ColumnSums<double>(a, sums);
        return sums;
    }

    static unsafe void ColumnSums<T>(Tensor a, Tensor sums) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)a.shape[0], width = (int)a.shape[1];
        var total = new Span<T>(Pointer<T>(sums), width);
        T* source = Pointer<T>(a);
        for (int n = 0; n < rows; n++) TensorPrimitives.Add(total, new ReadOnlySpan<T>(source + (long)n * width, width), total);
    }

    /// <summary>a ← a ⊙ mask in place.</summary>
    public static void MultiplyInPlace(Tensor a, Tensor mask)
    {
        if (a.dtype == ScalarType.Float32) Multiply<float>(a, mask, a);
        else Multiply<double>(a, mask, a);
    }

    /// <summary>a ⊙ mask into a new tensor.</summary>
    public static Tensor Multiply(Tensor a, Tensor mask)
    {
        var result = empty_like(a);
        if (a.dtype == ScalarType.Float32) Multiply<float>(a, mask, result);
        else Multiply<double>(a, mask, result);
        return result;
    }

    static unsafe void Multiply<T>(Tensor a, Tensor mask, Tensor result) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = checked((int)a.numel());
        TensorPrimitives.Multiply(new ReadOnlySpan<T>(Pointer<T>(a), n), new ReadOnlySpan<T>(Pointer<T>(mask), n), new Span<T>(Pointer<T>(result), n));
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
        TensorPrimitives.Max(values, T.Zero, values);
        if (r is not null) TensorPrimitives.Multiply(values, new ReadOnlySpan<T>(Pointer<T>(r), n), values);
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
