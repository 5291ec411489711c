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

    /// <summary>The features of x [N, T, inputSize] (with optional lengths), without gradient.</summary>
    public static Tensor Features(LmuCell cell, Tensor x, Tensor? lengths)
    {
        using var noGrad = no_grad();
        var parts = new List<Tensor>();
        try
        {
            for (long start = 0; start < x.shape[0]; start += Rows)
            {
                long n = Math.Min(Rows, x.shape[0] - start);
                parts.Add(Batch(cell, x.narrow(0, start, n), lengths?.narrow(0, start, n)));
            }
            return parts.Count == 1 ? parts[0].alias() : cat(parts, 0);
        }
        finally { foreach (var p in parts) p.Dispose(); }
    }

    static Tensor Batch(LmuCell cell, Tensor x, Tensor? lengths)
    {
        using var scope = NewDisposeScope();
        var o = cell.Options;
        long n = x.shape[0], time = x.shape[1];
        if (o.GoBackwards) x = TimeIndex.Reverse(x, lengths);
        var operators = cell.Operators();
        var aligned = lengths is null ? x : TimeIndex.RightAlign(x, lengths);
        var z = ParallelMemory.Final(aligned, operators.ReversedImpulse(time));            // Z: [N, inputSize, d]
        var s = lengths is null                                                             // S = Σ_{k < length} H_k: [N, 1, d]
            ? operators.Impulse(time).sum(dim: 0).expand(n, 1, o.Order)
            : operators.Impulse(time).cumsum(dim: 0).index_select(0, lengths.to(ScalarType.Int64, x.device) - 1).unsqueeze(1);
        var features = cat([z, s], 1).flatten(1);
        if (o.InputToHidden) features = cat([features, TimeIndex.Last(x, lengths)], 1);
        return features.contiguous().MoveToOuterDisposeScope();
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
