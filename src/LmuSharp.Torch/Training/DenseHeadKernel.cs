using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using static TorchSharp.torch;
using static LmuSharp.Torch.Recurrence.TensorMemory;

namespace LmuSharp.Torch.Training;

/// <summary>
/// The math of <see cref="DenseHead"/> on CPU, forward and backward, for the autograd nodes that contain it
/// (<see cref="DenseHeadFunction"/>, <see cref="LmuClassifierLossFunction"/>) and for <see cref="LmuClassifierGradients"/>:
/// y = W₂ h̃ + b₂ with h̃ = r₂ ⊙ relu(W₁ x̃ + b₁), x̃ the (already masked) input. The four matrix products are libtorch's
/// BLAS (<see cref="CpuBlas"/>), written into their outputs (into new tensors, or the caller's); the biases, the ReLU and the
/// masks are element-wise passes in C#:
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
        var (h, y) = (empty(x.size(0), w1.size(0), x.dtype), empty(x.size(0), w2.size(0), x.dtype));
        Forward(x, w1, b1, r2, w2, b2, h, y);
        return (h, y);
    }

    /// <summary>As <see cref="Forward(Tensor, Tensor, Tensor?, Tensor?, Tensor, Tensor?)"/> into h̃ [N, H] and y [N, K] (overwritten).</summary>
    public static void Forward(Tensor x, Tensor w1, Tensor? b1, Tensor? r2, Tensor w2, Tensor? b2, Tensor h, Tensor y)
    {
        Product(h, x, w1, transposeB: true);
        ReluMasked(h, b1, r2);
        Product(y, h, w2, transposeB: true);
        if (b2 is not null) AddRows(y, b2);
    }

    /// <summary>
    /// The gradients for ∂y [N, K]: (∂x̃ or null when <paramref name="inputGrad"/> is false, ∂W₁, ∂b₁ or null, ∂W₂, ∂b₂ or null).
    /// </summary>
    public static (Tensor? Input, Tensor W1, Tensor? B1, Tensor W2, Tensor? B2) Backward(Tensor dy, Tensor x, Tensor h, Tensor? r2,
        Tensor w1, bool bias1, Tensor w2, bool bias2, bool inputGrad)
    {
        var gradients = new Gradients(inputGrad ? empty_like(x) : null, empty_like(w1), bias1 ? empty(w1.size(0), dtype: w1.dtype) : null,
            empty_like(w2), bias2 ? empty(w2.size(0), dtype: w2.dtype) : null);
        using var dh = empty_like(h);
        Backward(dy, x, h, r2, w1, w2, dh, gradients);
        return (gradients.Input, gradients.W1, gradients.B1, gradients.W2, gradients.B2);
    }

    /// <summary>Where <see cref="Backward(Tensor, Tensor, Tensor, Tensor?, Tensor, Tensor, Tensor, Gradients)"/> writes: any may be null (not computed) but W₁'s and W₂'s.</summary>
    public readonly record struct Gradients(Tensor? Input, Tensor W1, Tensor? B1, Tensor W2, Tensor? B2);

    /// <summary>
    /// As <see cref="Backward(Tensor, Tensor, Tensor, Tensor?, Tensor, bool, Tensor, bool, bool)"/> into the given tensors (overwritten), with
    /// ∂h [N, H] as scratch.
    /// </summary>
    public static void Backward(Tensor dy, Tensor x, Tensor h, Tensor? r2, Tensor w1, Tensor w2, Tensor dh, Gradients into)
    {
        Product(into.W2, dy, h, transposeA: true);
        if (into.B2 is not null) ColumnSums(dy, into.B2);
        Product(dh, dy, w2);
        ReluMaskedBackward(dh, h, r2);
        Product(into.W1, dh, x, transposeA: true);
        if (into.B1 is not null) ColumnSums(dh, into.B1);
        if (into.Input is not null) Product(into.Input, dh, w1);
    }

    /// <summary>c ← op(a) op(b), libtorch's BLAS product written into c (β = 0: c's old values are not read).</summary>
    internal static void Product(Tensor c, Tensor a, Tensor b, bool transposeA = false, bool transposeB = false) =>
        CpuBlas.Product(c, a, b, transposeA, transposeB);

    /// <summary>a ← a ⊙ mask in place.</summary>
    public static void MultiplyInPlace(Tensor a, Tensor mask)
    {
        if (a.dtype == ScalarType.Float32) Multiply<float>(a, mask, a);
        else Multiply<double>(a, mask, a);
    }

    /// <summary>into ← a + b (contiguous tensors of one shape; into overwritten).</summary>
    public static void Sum(Tensor a, Tensor b, Tensor into)
    {
        if (a.dtype == ScalarType.Float32) Sum<float>(a, b, into);
        else Sum<double>(a, b, into);
    }

    static unsafe void Sum<T>(Tensor a, Tensor b, Tensor into) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = checked((int)a.numel());
        TensorPrimitives.Add(new ReadOnlySpan<T>(Pointer<T>(a), n), new ReadOnlySpan<T>(Pointer<T>(b), n), new Span<T>(Pointer<T>(into), n));
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

    /// <summary>h ← r ⊙ relu(h + b) in place, b added to every row (b and r may be null).</summary>
    internal static void ReluMasked(Tensor h, Tensor? b, Tensor? r)
    {
        if (b is not null) AddRows(h, b);
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

    /// <summary>a[n, :] ← a[n, :] + b for every row n of a [N, K], b [K].</summary>
    internal static void AddRows(Tensor a, Tensor b)
    {
        if (a.dtype == ScalarType.Float32) AddRows<float>(a, b);
        else AddRows<double>(a, b);
    }

    static unsafe void AddRows<T>(Tensor a, Tensor b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)a.size(0), width = (int)a.size(1);
        var bias = new ReadOnlySpan<T>(Pointer<T>(b), width);
        for (int n = 0; n < rows; n++)
        {
            var row = new Span<T>(Pointer<T>(a) + (long)n * width, width);
            TensorPrimitives.Add(row, bias, row);
        }
    }

    /// <summary>s ← Σ_n a[n, :] for a [N, K], s [K] (overwritten).</summary>
    internal static void ColumnSums(Tensor a, Tensor s)
    {
        if (a.dtype == ScalarType.Float32) ColumnSums<float>(a, s);
        else ColumnSums<double>(a, s);
    }

    static unsafe void ColumnSums<T>(Tensor a, Tensor s) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)a.size(0), width = (int)a.size(1);
        var sum = new Span<T>(Pointer<T>(s), width);
        sum.Clear();
        for (int n = 0; n < rows; n++) TensorPrimitives.Add(sum, new ReadOnlySpan<T>(Pointer<T>(a) + (long)n * width, width), sum);
    }

    /// <summary>∂h ← [h̃ &gt; 0] ⊙ r ⊙ ∂h in place (r may be null).</summary>
    internal static void ReluMaskedBackward(Tensor grad, Tensor h, Tensor? r)
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
