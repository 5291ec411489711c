using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;
using static LmuSharp.Torch.Recurrence.TensorMemory;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// Autograd function of the GILR coefficients a = σ(p_g), x = (1 − a) ⊙ tanh(p_c) in one pass (<see cref="GateRows"/>).
/// Arguments: the projection p [..., width] (contiguous CPU, float32 or float64) whose columns [0, hidden) are p_g and
/// [hidden, 2·hidden) are p_c, and hidden. Returns a and x [..., hidden]. Backward recomputes σ and tanh from p and
/// returns ∂L/∂p with the other columns zero (written in the same pass).
/// </summary>
internal sealed class GilrCoefficientsFunction : MultiTensorFunction<GilrCoefficientsFunction>
{
    /// <inheritdoc/>
    public override string Name => "GilrCoefficients";

    /// <inheritdoc/>
    public override List<Tensor> forward(AutogradContext ctx, params object[] vars)
    {
        var (p, hidden) = ((Tensor)vars[0], (int)vars[1]);
        long[] shape = [.. p.shape[..^1], hidden];
        var a = empty(shape, dtype: p.dtype);
        var x = empty(shape, dtype: p.dtype);
        if (p.dtype == ScalarType.Float32) Forward<float>(p, a, x, hidden);
        else Forward<double>(p, a, x, hidden);
        ctx.save_for_backward([p]);
        ctx.save_data("hidden", hidden);
        return [a, x];
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(AutogradContext ctx, List<Tensor> gradOutputs)
    {
        var saved = ctx.get_saved_variables();
        try
        {
            var p = saved[0];
            int hidden = (int)ctx.get_data("hidden");
            using var gradA = gradOutputs[0].contiguous();
            using var gradX = gradOutputs[1].contiguous();
            var gradP = empty_like(p); // every row written, the other columns zeroed
            if (p.dtype == ScalarType.Float32) Backward<float>(p, gradA, gradX, gradP, hidden);
            else Backward<double>(p, gradA, gradX, gradP, hidden);
            return [gradP, null!];
        }
        finally
        {
            foreach (var t in saved) t?.Dispose();
            foreach (var t in gradOutputs) t?.Dispose(); // handles TorchSharp made for this call
        }
    }

    static unsafe void Forward<T>(Tensor p, Tensor a, Tensor x, int n) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        long rows = a.numel() / Math.Max(n, 1), width = p.size(-1);
        T* pp = Pointer<T>(p), ap = Pointer<T>(a), xp = Pointer<T>(x);
        for (long r = 0; r < rows; r++)
            GateRows.Coefficients<T>(new(pp + r * width, n), new(pp + r * width + n, n), new(ap + r * n, n), new(xp + r * n, n));
    }

    static unsafe void Backward<T>(Tensor p, Tensor gradA, Tensor gradX, Tensor gradP, int n) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        long rows = gradA.numel() / Math.Max(n, 1), width = p.size(-1);
        T* pp = Pointer<T>(p), ga = Pointer<T>(gradA), gx = Pointer<T>(gradX), gp = Pointer<T>(gradP);
        for (long r = 0; r < rows; r++)
        {
            GateRows.CoefficientsBackward<T>(new(pp + r * width, n), new(pp + r * width + n, n), new(ga + r * n, n), new(gx + r * n, n),
                new(gp + r * width, n), new(gp + r * width + n, n));
            new Span<T>(gp + r * width + 2 * n, (int)(width - 2 * n)).Clear();
        }
    }
}
