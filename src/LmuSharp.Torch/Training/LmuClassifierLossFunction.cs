using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;
using static LmuSharp.Torch.Recurrence.TensorMemory;

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
/// The windows are data: no gradient flows to them, nor to the masks and targets.
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
        var m = Encode(windows, wx, bx, rx, rm);
        var (h, p) = DenseHeadKernel.Forward(m, w1, b1, r2, w2, b2);
        var loss = SoftmaxCrossEntropy(p, targets);
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
            using var dz = LogitGradient(p, targets, gradOutput.to_type(ScalarType.Float64).item<double>());
            var (dm, gradW1, gradB1, gradW2, gradB2) = DenseHeadKernel.Backward(dz, m, h, r2, w1, bias1, w2, bias2, inputGrad: true);
            using (dm)
            {
                if (rm is not null) DenseHeadKernel.MultiplyInPlace(dm!, rm);
                var (gradWx, gradBx) = EncodeBackward(dm!, windows, rx, (int)wx.shape[0], biasX);
                return [null!, gradWx, gradBx!, null!, null!, gradW1, gradB1!, null!, gradW2, gradB2!, null!];
            }
        }
        finally
        {
            foreach (var t in saved) t?.Dispose();
            gradOutput.Dispose(); // a handle TorchSharp made for this call
        }
    }

    /// <summary>M̃ [N, K·d] from the windows, W_x, b and the masks.</summary>
    static Tensor Encode(Tensor windows, Tensor wx, Tensor? bx, Tensor? rx, Tensor? rm)
    {
        var m = empty(windows.shape[0], wx.shape[0] * windows.shape[2], windows.dtype);
        if (m.dtype == ScalarType.Float32) Encode<float>(windows, wx, bx, rx, rm, m);
        else Encode<double>(windows, wx, bx, rx, rm, m);
        return m;
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

    /// <summary>(∂W_x [K, C], ∂b [K] or null) from ∂M [N, K·d].</summary>
    static (Tensor Weight, Tensor? Bias) EncodeBackward(Tensor dm, Tensor windows, Tensor? rx, int channels, bool bias)
    {
        int inputs = (int)windows.shape[1] - 1;
        var gradW = zeros(channels, inputs, dm.dtype);
        var gradB = bias ? zeros(channels, dm.dtype) : null;
        if (dm.dtype == ScalarType.Float32) EncodeBackward<float>(dm, windows, rx, gradW, gradB);
        else EncodeBackward<double>(dm, windows, rx, gradW, gradB);
        return (gradW, gradB);
    }

    static unsafe void EncodeBackward<T>(Tensor dm, Tensor windows, Tensor? rx, Tensor gradW, Tensor? gradB) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (rows, inputs, order, channels) = Shape(windows, gradW);
        T* z = Pointer<T>(windows), g = Pointer<T>(dm), r = Pointer<T>(rx), gw = Pointer<T>(gradW), gb = Pointer<T>(gradB);
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
        ((int)windows.shape[0], (int)windows.shape[1] - 1, (int)windows.shape[2], (int)weight.shape[0]);

    /// <summary>Turns the logits z [N, Q] into softmax probabilities in place; returns −(1/N) Σ_n log p[n, y_n] as a scalar tensor.</summary>
    static Tensor SoftmaxCrossEntropy(Tensor z, Tensor targets) =>
        z.dtype == ScalarType.Float32 ? SoftmaxCrossEntropy<float>(z, targets) : SoftmaxCrossEntropy<double>(z, targets);

    static unsafe Tensor SoftmaxCrossEntropy<T>(Tensor z, Tensor targets) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = (int)z.shape[0], classes = (int)z.shape[1];
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
        return tensor(sum / rows, dtype: z.dtype);
    }

    /// <summary>∂loss/∂z = g (p − onehot(y)) / N into a new tensor.</summary>
    static Tensor LogitGradient(Tensor p, Tensor targets, double g)
    {
        var dz = empty_like(p);
        if (dz.dtype == ScalarType.Float32) LogitGradient<float>(p, targets, (float)(g / p.shape[0]), dz);
        else LogitGradient<double>(p, targets, g / p.shape[0], dz);
        return dz;
    }

    static unsafe void LogitGradient<T>(Tensor p, Tensor targets, T scale, Tensor dz) where T : unmanaged, INumber<T>
    {
        int rows = (int)dz.shape[0], classes = (int)dz.shape[1];
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
