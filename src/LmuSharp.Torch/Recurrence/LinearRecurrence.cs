using TorchSharp;
using static TorchSharp.torch;
using static LmuSharp.Torch.Recurrence.LayerChecks;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// The first-order linear recurrence h_t = a_t ⊙ h_{t-1} + x_t of Martin &amp; Cundy (ICLR 2018), computed
/// for all t at once and differentiable in x, a and h0 (backward is the same recurrence run in reverse).
/// CPU tensors use a parallel C# kernel; tensors on other devices use a log-step scan in tensor operations.
/// </summary>
public static class LinearRecurrence
{
    /// <summary>
    /// All states h_t = a_t ⊙ h_{t-1} + x_t, t = 1..T, from h_0 = <paramref name="h0"/>; with
    /// <paramref name="reverse"/>, h_t = a_t ⊙ h_{t+1} + x_t from t = T down to 1 with h_{T+1} = h0.
    /// </summary>
    /// <param name="x">Inputs [batch, time, channels], float32 or float64, on any device.</param>
    /// <param name="a">
    /// Coefficients, broadcastable to x's shape by the usual rules: [batch, time, channels], or with size-1
    /// (or missing leading) dimensions, e.g. [batch, 1, channels] for a time-invariant recurrence, [channels],
    /// or a scalar. Same dtype and device as x. Its gradient has its own shape.
    /// </param>
    /// <param name="h0">Initial state [batch, channels]; zero when null.</param>
    /// <param name="reverse">Run from the last time step to the first.</param>
    /// <returns>h [batch, time, channels], contiguous, same dtype and device as x.</returns>
    /// <exception cref="ArgumentException">A shape, dtype or device does not match (the message names the argument and what was expected).</exception>
    public static Tensor apply(Tensor x, Tensor a, Tensor? h0 = null, bool reverse = false) =>
        apply(x, a, h0, reverse, ScanImplementation.Auto, ScanStrategy.Auto);

    /// <summary><see cref="apply(Tensor, Tensor, Tensor?, bool)"/> with the implementation and kernel strategy chosen (tests, benchmarks).</summary>
    internal static Tensor apply(Tensor x, Tensor a, Tensor? h0, bool reverse, ScanImplementation implementation, ScanStrategy strategy)
    {
        Validate(x, a, h0);
        using var scope = NewDisposeScope();
        var xc = x.contiguous();
        var ac = PrepareCoefficients(a, x.size(2)).contiguous();
        var h0c = h0?.contiguous();
        var h = LinearRecurrenceFunction.apply(xc, ac, h0c!, reverse, implementation, strategy);
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>a as [1 or batch, 1 or time, channels]: leading size-1 dimensions added, the channel dimension expanded.</summary>
    static Tensor PrepareCoefficients(Tensor a, long channels)
    {
        var shape = new long[3];
        for (int i = 0; i < 3; i++) shape[i] = i < 3 - a.dim() ? 1 : a.size(i - (3 - (int)a.dim()));
        var a3 = a.reshape(shape);
        return shape[2] == channels ? a3 : a3.expand(shape[0], shape[1], channels);
    }

    static void Validate(Tensor x, Tensor a, Tensor? h0)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(a);
        if (x.dim() != 3)
            throw new ArgumentException($"x must be [batch, time, channels] (3 dimensions), got shape {Shape(x)}.", nameof(x));
        if (x.dtype != ScalarType.Float32 && x.dtype != ScalarType.Float64)
            throw new ArgumentException($"x must be float32 or float64, got {x.dtype}.", nameof(x));
        if (x.size(1) > int.MaxValue || x.size(0) > int.MaxValue || x.size(2) > int.MaxValue)
            throw new ArgumentException($"x's batch, time and channel sizes must each be below 2^31, got {Shape(x)}.", nameof(x));
        SameKind(a, x, nameof(a), nameof(x));
        if (a.dim() > 3 || !BroadcastsTo(a, x))
            throw new ArgumentException(
                $"a must broadcast to x's shape {Shape(x)} ([batch or 1, time or 1, channels or 1], leading dimensions optional), got shape {Shape(a)}.", nameof(a));
        if (h0 is null) return;
        SameKind(h0, x, nameof(h0), nameof(x));
        if (h0.dim() != 2 || h0.size(0) != x.size(0) || h0.size(1) != x.size(2))
            throw new ArgumentException($"h0 must be [batch, channels] = [{x.size(0)}, {x.size(2)}], got shape {Shape(h0)}.", nameof(h0));
    }

    static bool BroadcastsTo(Tensor a, Tensor x)
    {
        for (int i = 1; i <= a.dim(); i++)
        {
            long sa = a.size(-i), sx = x.size(-i);
            if (sa != 1 && sa != sx) return false;
        }
        return true;
    }
}
