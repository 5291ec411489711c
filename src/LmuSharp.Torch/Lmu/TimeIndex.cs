using static TorchSharp.torch;

namespace LmuSharp.Torch;

/// <summary>Per-sequence re-indexing along time for variable-length batches ([N, T, …] tensors, lengths [N] in 1..T).</summary>
internal static class TimeIndex
{
    /// <summary>Reverses each sequence's valid part x[n, 0..len−1]; steps past the length stay where they are.</summary>
    public static Tensor Reverse(Tensor x, Tensor? lengths)
    {
        if (lengths is null) return x.flip(1);
        using var scope = NewDisposeScope();
        var (t, len) = Grid(x, lengths);
        var index = where(t.lt(len), len - 1 - t, t);
        return Gather(x, index).MoveToOuterDisposeScope();
    }

    /// <summary>Shifts each sequence right so that its last valid step lands at T−1; zeros in front.</summary>
    public static Tensor RightAlign(Tensor x, Tensor lengths)
    {
        using var scope = NewDisposeScope();
        var (t, len) = Grid(x, lengths);
        var index = t - (x.shape[1] - len);
        var valid = index.ge(0);
        var shifted = Gather(x, index.clamp_min(0));
        return (shifted * Broadcast(valid, shifted).to(x.dtype)).MoveToOuterDisposeScope();
    }

    /// <summary>Holds each sequence's value at its last valid step for all later steps.</summary>
    public static Tensor HoldAfter(Tensor x, Tensor lengths)
    {
        using var scope = NewDisposeScope();
        var (t, len) = Grid(x, lengths);
        return Gather(x, minimum(t, len - 1)).MoveToOuterDisposeScope();
    }

    /// <summary>x[n, lengths[n] − 1, …]: each sequence's last valid step.</summary>
    public static Tensor Last(Tensor x, Tensor? lengths)
    {
        if (lengths is null) return x.select(1, -1);
        using var scope = NewDisposeScope();
        var index = (Long(lengths, x) - 1).view(-1, 1);
        return Gather(x, index).squeeze(1).MoveToOuterDisposeScope();
    }

    /// <summary>Time steps [1, T] and lengths [N, 1] on x's device, int64.</summary>
    static (Tensor Time, Tensor Length) Grid(Tensor x, Tensor lengths) =>
        (arange(x.shape[1], ScalarType.Int64, x.device).unsqueeze(0), Long(lengths, x).unsqueeze(1));

    static Tensor Long(Tensor lengths, Tensor x) => lengths.to(ScalarType.Int64, x.device);

    /// <summary>out[n, t, …] = x[n, index[n, t], …].</summary>
    static Tensor Gather(Tensor x, Tensor index) => x.gather(1, Broadcast(index, x, index.shape[1]));

    static Tensor Broadcast(Tensor index, Tensor x, long? time = null)
    {
        var shape = x.shape.ToArray();
        shape[0] = index.shape[0];
        shape[1] = time ?? index.shape[1];
        var view = index.shape.Concat(Enumerable.Repeat(1L, (int)x.dim() - 2)).ToArray();
        return index.view(view).expand(shape);
    }
}
