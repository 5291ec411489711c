using static TorchSharp.torch;

namespace LmuSharp.Torch;

/// <summary>
/// The <see cref="LmuMode.Final"/> forward split at the point where training starts to matter. With the memory fixed
/// (θ, A, B not trained) the last state is linear in the data:
/// <code>
/// M_T = Σ_t (W_x x_t + b) H_{T−1−t} = W_x Z + b S,   Z = Σ_t x_t ⊗ H_{T−1−t} [d, inputSize],   S = Σ_t H_{T−1−t} [d]
/// </code>
/// Z and S depend on the data and the fixed H only, so <see cref="Features"/> computes them once per sample (Z by the
/// same final-state product the forward pass takes, on x instead of u; S from H alone); <see cref="Forward"/> then costs one small
/// product per sample instead of a [T × d] one. Features are [N, (inputSize + 1)·d] (Z's rows, one per input channel, then S), followed by
/// x_T [N, inputSize] when the hidden cell reads the input.
/// </summary>
internal static class FinalMemoryWindows
{
    /// <summary>Samples per final-state product, so that a whole data set never needs its [N·inputSize, T] transposed copy at once.</summary>
    const long Rows = 2048;

    /// <summary>The features of x [N, T, inputSize] (with optional lengths), without gradient, written chunk by chunk into one tensor.</summary>
    public static Tensor Features(LmuCell cell, Tensor x, Tensor? lengths)
    {
        using var noGrad = no_grad();
        var features = empty([x.shape[0], Width(cell.Options)], x.dtype, x.device);
        for (long start = 0; start < x.shape[0]; start += Rows)
        {
            long n = Math.Min(Rows, x.shape[0] - start);
            using var rows = features.narrow(0, start, n);
            Fill(cell, x.narrow(0, start, n), lengths?.narrow(0, start, n), rows);
        }
        return features;
    }

    /// <summary>Writes the features of x [n, T, inputSize] into <paramref name="features"/> [n, width] (rows of the whole set's tensor).</summary>
    static void Fill(LmuCell cell, Tensor x, Tensor? lengths, Tensor features)
    {
        using var scope = NewDisposeScope();
        var o = cell.Options;
        long n = x.shape[0], time = x.shape[1];
        if (o.GoBackwards) x = TimeIndex.Reverse(x, lengths);
        var operators = cell.Operators();
        var aligned = lengths is null ? x : TimeIndex.RightAlign(x, lengths);
        var windows = features.narrow(1, 0, (o.InputSize + 1) * (long)o.Order).view(n, o.InputSize + 1, o.Order);
        windows.narrow(1, 0, o.InputSize).copy_(ParallelMemory.Final(aligned, operators.ReversedImpulse(time))); // Z: [n, inputSize, d]
        var s = windows.narrow(1, o.InputSize, 1);                                          // S = Σ_{k < length} H_k: [n, 1, d]
        s.copy_(lengths is null
            ? operators.Impulse(time).sum(dim: 0).expand(n, 1, o.Order)
            : operators.Impulse(time).cumsum(dim: 0).index_select(0, lengths.to(ScalarType.Int64, x.device) - 1).unsqueeze(1));
        if (o.InputToHidden) features.narrow(1, windows.shape[1] * o.Order, o.InputSize).copy_(TimeIndex.Last(x, lengths));
    }

    /// <summary>The number of features per sample for a layer with <paramref name="options"/>.</summary>
    public static long Width(LmuOptions options) =>
        (long)options.Order * (options.InputSize + 1) + (options.InputToHidden ? options.InputSize : 0);

    /// <summary>The layer's output and final state from features: M_T = W_x Z + b S, then the hidden cell.</summary>
    public static (Tensor Output, LmuState State) Forward(LmuCell cell, Tensor features)
    {
        using var scope = NewDisposeScope();
        var o = cell.Options;
        long n = features.shape[0], windowWidth = (long)o.Order * (o.InputSize + 1);
        using var masks = DropoutMasks.Draw(cell, n, features.dtype, features.device);
        var m = cell.EncodeWindows(features.narrow(1, 0, windowWidth).view(n, o.InputSize + 1, o.Order), masks);
        var x = o.InputToHidden ? features.narrow(1, windowWidth, o.InputSize) : null;
        var (output, hidden, _) = cell.Hidden(m.flatten(1), x, null);
        return LmuState.MoveOut(output, new LmuState(m, hidden));
    }
}
