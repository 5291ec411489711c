using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// The linear recurrence in whole-tensor operations, for tensors the C# kernel cannot reach (CUDA and
/// other devices): a log-step (Hillis–Steele) scan of the associative operator
/// (a₁, x₁) ∘ (a₂, x₂) = (a₂ a₁, a₂ x₁ + x₂), ⌈log₂ T⌉ rounds of elementwise ops over the whole tensor.
/// Inputs are prepared as for the kernel: x [B, T, C], a [B or 1, T or 1, C], h0 [B, C] or null.
/// </summary>
internal static class TensorScan
{
    /// <summary>All h_t of h_t = a_t ⊙ h_{t-1} + x_t (h_{t+1} when reverse), from h0 (zero when null).</summary>
    public static Tensor Forward(Tensor x, Tensor a, Tensor? h0, bool reverse)
    {
        using var scope = NewDisposeScope();
        if (reverse) (x, a) = (x.flip(1), a.flip(1));
        long time = x.size(1);
        var prod = a.expand(x.shape).clone(); // running Π a over each element's scanned span
        var h = x.clone();
        if (h0 is not null && time > 0) h.select(1, 0).add_(prod.select(1, 0) * h0);
        for (long k = 1; k < time; k *= 2)
        {
            var (hTail, pTail) = (h.narrow(1, k, time - k), prod.narrow(1, k, time - k));
            var carried = pTail * h.narrow(1, 0, time - k);       // from the values before this round
            var combined = pTail * prod.narrow(1, 0, time - k);
            hTail.add_(carried);
            pTail.copy_(combined);
        }
        return (reverse ? h.flip(1) : h).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Gradients by the reverse recurrence g_t = ∂L/∂h_t + a_{t+1} ⊙ g_{t+1}: ∂L/∂x = g, ∂L/∂a = g ⊙ h_{t-1}
    /// as [B, T or 1, C] (summed over time for a time-invariant a), ∂L/∂h0 = a_1 ⊙ g_1 (null without h0).
    /// </summary>
    public static (Tensor GradX, Tensor GradA, Tensor? GradH0) Backward(Tensor gradH, Tensor a, Tensor h, Tensor? h0, bool reverse)
    {
        using var scope = NewDisposeScope();
        long time = h.size(1);
        var aFull = a.expand(h.shape);
        var zeroRow = zeros_like(h.narrow(1, 0, 1));
        var start = h0?.unsqueeze(1) ?? zeroRow;
        // In logical order the next step's a and the previous step's h; the logical order is reversed when reverse.
        var (aNext, hPrev) = reverse
            ? (cat([zeroRow, aFull.narrow(1, 0, time - 1)], 1), cat([h.narrow(1, 1, time - 1), start], 1))
            : (cat([aFull.narrow(1, 1, time - 1), zeroRow], 1), cat([start, h.narrow(1, 0, time - 1)], 1));
        var g = Forward(gradH, aNext, null, !reverse);
        var gradA = g * hPrev;
        if (a.size(1) == 1 && time != 1) gradA = gradA.sum(1, keepdim: true);
        Tensor? gradH0 = null;
        if (h0 is not null)
        {
            long first = reverse ? time - 1 : 0;
            gradH0 = (aFull.select(1, first) * g.select(1, first)).MoveToOuterDisposeScope();
        }
        return (g.MoveToOuterDisposeScope(), gradA.MoveToOuterDisposeScope(), gradH0);
    }
}
