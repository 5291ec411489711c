using System.Runtime.InteropServices;
using LmuSharp.Kernels;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;
using static LmuSharp.Torch.Recurrence.TensorMemory;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// Autograd function of h_t = φ(a_t + W h_{t−1}) on the C# kernel (<see cref="RnnRecurrenceKernel"/>).
/// Arguments, already validated by <see cref="RnnRecurrence"/>: a [N, T, H] contiguous float32 CPU, W [H, H]
/// contiguous, h0 [N, H] contiguous or null, bool relu. Returns h [N, T, H].
/// </summary>
internal sealed class RnnRecurrenceFunction : SingleTensorFunction<RnnRecurrenceFunction>
{
    /// <inheritdoc/>
    public override string Name => nameof(RnnRecurrence);

    /// <inheritdoc/>
    public override unsafe Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var (a, w, h0, relu) = ((Tensor)vars[0], (Tensor)vars[1], vars[2] as Tensor, (bool)vars[3]);
        var (n, time, hidden) = Sizes(a);
        var h = empty_like(a);
        fixed (float* wT = PackedGemm.Pack(Floats(w), hidden, hidden))
            RnnRecurrenceKernel.Forward(Pointer<float>(a), wT, Pointer<float>(h0), Pointer<float>(h), n, time, hidden, relu);
        ctx.save_for_backward([w, h, h0!]);
        ctx.save_data("relu", relu);
        return h;
    }

    /// <inheritdoc/>
    public override unsafe List<Tensor> backward(AutogradContext ctx, Tensor gradOutput)
    {
        var saved = ctx.get_saved_variables(); // fresh handles, released below with gradOutput's
        try
        {
            var (w, h, h0) = (saved[0], saved[1], saved[2]);
            var (n, time, hidden) = Sizes(h);
            using var gradH = gradOutput.contiguous();
            var gradA = empty_like(h);
            var gradH0 = h0 is null ? null : empty_like(h0);
            using (var wt = w.t().contiguous())
            fixed (float* packed = PackedGemm.Pack(Floats(wt), hidden, hidden))
                RnnRecurrenceKernel.Backward(Pointer<float>(gradH), Pointer<float>(h), packed, Pointer<float>(gradA), Pointer<float>(gradH0), n, time, hidden, (bool)ctx.get_data("relu"));
            return [gradA, GradWeight(gradA, h, h0), gradH0!, null!];
        }
        finally
        {
            foreach (var t in saved) t?.Dispose();
            gradOutput.Dispose(); // a handle TorchSharp made for this call: ∂L/∂h is freed when autograd drops it, not at scope end or GC
        }
    }

    /// <summary>∂W = Σ_t ∂a_tᵀ h_{t−1}: one [H, N·T] × [N·T, H] product, with h_{−1} = h0 (or zeros).</summary>
    static Tensor GradWeight(Tensor gradA, Tensor h, Tensor? h0)
    {
        using var scope = NewDisposeScope();
        long hidden = h.size(2);
        var first = h0 ?? zeros(h.size(0), hidden, dtype: h.dtype);
        var previous = cat([first.unsqueeze(1), h[.., ..^1]], 1);
        return gradA.reshape(-1, hidden).t().matmul(previous.reshape(-1, hidden)).MoveToOuterDisposeScope();
    }

    static (int N, int Time, int Hidden) Sizes(Tensor t) => ((int)t.size(0), (int)t.size(1), (int)t.size(2));

    static ReadOnlySpan<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);
}
