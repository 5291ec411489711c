using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using static TorchSharp.torch;
using static LmuSharp.Torch.Recurrence.TensorMemory;

namespace LmuSharp.Torch.Training;

/// <summary>
/// The math of <see cref="LmuClassifierLoss"/> around its dense head (<see cref="DenseHeadKernel"/>), on CPU, written
/// into the caller's tensors: the encoder of the precomputed windows, the softmax cross-entropy and their gradients.
/// Shared by the autograd node (<see cref="LmuClassifierLossFunction"/>) and the direct gradients
/// (<see cref="LmuClassifierGradients"/>), so the two compute the same numbers. Windows [N, C + 1, d] (Z's C rows,
/// then S), contiguous float32 or float64:
/// <code>
/// M̃[n, k] = r_m ⊙ (Σ_c W_x[k, c] r_x[n, c] Z[n, c] + b[k] S[n])
/// ∂W_x[k, c] = Σ_n r_x[n, c] ⟨∂M[n, k], Z[n, c]⟩,   ∂b[k] = Σ_n ⟨∂M[n, k], S[n]⟩
/// p = softmax(z),   loss = −(1/N) Σ_n log p[n, y_n],   ∂z = (p − onehot(y)) / N
/// </code>
/// </summary>
internal static class LmuClassifierKernel
{
    /// <summary>M̃ [N, K·d] (overwritten) from the windows, W_x, b and the masks.</summary>
    public static void Encode(Tensor windows, Tensor wx, Tensor? bx, Tensor? rx, Tensor? rm, Tensor m)
    {
        if (m.dtype == ScalarType.Float32) Encode<float>(windows, wx, bx, rx, rm, m);
        else Encode<double>(windows, wx, bx, rx, rm, m);
    }

    static unsafe void Encode<T>(Tensor windows, Tensor wx, Tensor? bx, Tensor? rx, Tensor? rm, Tensor m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rows, inputs, order, channels) = Shape(windows, wx);
        T* z = Pointer<T>(windows), w = Pointer<T>(wx), b = Pointer<T>(bx), r = Pointer<T>(rx), mask = Pointer<T>(rm), target = Pointer<T>(m);
        for (int n = 0; n < rows; n++)
        {
            T* zn = z + (long)n * (inputs + 1) * order;
            for (int k = 0; k < channels; k++)
            {
                var row = new Span<T>(target + ((long)n * channels + k) * order, order);
                for (int c = 0; c < inputs; c++)
                {
                    T coefficient = w[k * inputs + c] * (r is null ? T.One : r[n * inputs + c]);
                    var zc = new ReadOnlySpan<T>(zn + (long)c * order, order);
                    if (c == 0) TensorPrimitives.Multiply(zc, coefficient, row);
                    else TensorPrimitives.MultiplyAdd(zc, coefficient, row, row);
                }
                if (b is not null) TensorPrimitives.MultiplyAdd(new ReadOnlySpan<T>(zn + (long)inputs * order, order), b[k], row, row);
                if (mask is not null) TensorPrimitives.Multiply(row, new ReadOnlySpan<T>(mask + ((long)n * channels + k) * order, order), row);
            }
        }
    }

    /// <summary>∂W_x [K, C] and ∂b [K] (or null; both overwritten) from ∂M [N, K·d].</summary>
    public static void EncodeBackward(Tensor dm, Tensor windows, Tensor? rx, Tensor gradW, Tensor? gradB)
    {
        if (dm.dtype == ScalarType.Float32) EncodeBackward<float>(dm, windows, rx, gradW, gradB);
        else EncodeBackward<double>(dm, windows, rx, gradW, gradB);
    }

    static unsafe void EncodeBackward<T>(Tensor dm, Tensor windows, Tensor? rx, Tensor gradW, Tensor? gradB) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rows, inputs, order, channels) = Shape(windows, gradW);
        T* z = Pointer<T>(windows), g = Pointer<T>(dm), r = Pointer<T>(rx), gw = Pointer<T>(gradW), gb = Pointer<T>(gradB);
        new Span<T>(gw, channels * inputs).Clear(); // not zero_(), whose fill Scalar TorchSharp leaves to the finalizer
        if (gb is not null) new Span<T>(gb, channels).Clear();
        for (int n = 0; n < rows; n++)
        {
            T* zn = z + (long)n * (inputs + 1) * order;
            for (int k = 0; k < channels; k++)
            {
                var gradient = new ReadOnlySpan<T>(g + ((long)n * channels + k) * order, order);
                for (int c = 0; c < inputs; c++)
                    gw[k * inputs + c] += (r is null ? T.One : r[n * inputs + c]) * TensorPrimitives.Dot(gradient, new ReadOnlySpan<T>(zn + (long)c * order, order));
                if (gb is not null) gb[k] += TensorPrimitives.Dot(gradient, new ReadOnlySpan<T>(zn + (long)inputs * order, order));
            }
        }
    }

    /// <summary>(N, C, d, K) of windows [N, C + 1, d] and an encoder weight [K, C].</summary>
    static (int Rows, int Inputs, int Order, int Channels) Shape(Tensor windows, Tensor weight) =>
        ((int)windows.size(0), (int)windows.size(1) - 1, (int)windows.size(2), (int)weight.size(0));

    /// <summary>Turns the logits z [N, Q] into softmax probabilities in place; returns −(1/N) Σ_n log p[n, y_n].</summary>
    public static double SoftmaxCrossEntropy(Tensor z, Tensor targets) =>
        z.dtype == ScalarType.Float32 ? SoftmaxCrossEntropy<float>(z, targets) : SoftmaxCrossEntropy<double>(z, targets);

    static unsafe double SoftmaxCrossEntropy<T>(Tensor z, Tensor targets) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)z.size(0), classes = (int)z.size(1);
        T* logits = Pointer<T>(z);
        long* y = Pointer<long>(targets);
        double sum = 0;
        for (int n = 0; n < rows; n++)
        {
            // Scalar loops: a row holds one value per class, too few for vector calls to pay their set-up.
            T* row = logits + (long)n * classes;
            T max = row[0], total = T.Zero;
            for (int q = 1; q < classes; q++) max = T.Max(max, row[q]);
            T logY = row[y[n]] - max;                                          // z_y − max z: exp cannot overflow
            for (int q = 0; q < classes; q++) total += row[q] = T.Exp(row[q] - max);
            for (int q = 0; q < classes; q++) row[q] /= total;
            sum += double.CreateChecked(T.Log(total) - logY);                  // −log p_y = log Σ exp(z − max) − (z_y − max)
        }
        return sum / rows;
    }

    /// <summary>∂loss/∂z = g (p − onehot(y)) / N into dz (overwritten; may be p itself).</summary>
    public static void LogitGradient(Tensor p, Tensor targets, double g, Tensor dz)
    {
        if (dz.dtype == ScalarType.Float32) LogitGradient<float>(p, targets, (float)(g / p.size(0)), dz);
        else LogitGradient<double>(p, targets, g / p.size(0), dz);
    }

    static unsafe void LogitGradient<T>(Tensor p, Tensor targets, T scale, Tensor dz) where T : unmanaged, INumber<T>
    {
        int rows = (int)dz.size(0), classes = (int)dz.size(1);
        T* source = Pointer<T>(p), d = Pointer<T>(dz);
        long* y = Pointer<long>(targets);
        for (int n = 0; n < rows; n++)
        {
            long row = (long)n * classes;
            for (int q = 0; q < classes; q++) d[row + q] = scale * source[row + q];
            d[row + y[n]] -= scale;
        }
    }
}
