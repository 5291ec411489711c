using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;
using static LmuSharp.Torch.Recurrence.TensorMemory;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// Autograd function of the GILR-LSTM gates in one pass (<see cref="GateRows"/>). Arguments: the projection
/// p [..., width] whose columns [offset, offset + 4·hidden) are V x + b, the offset, and u = U h̃_prev [..., 4·hidden]
/// (both contiguous CPU, float32 or float64). With q = p[..., offset:] + u = [q_f, q_i, q_o, q_z], returns f = σ(q_f),
/// i ⊙ z = σ(q_i) ⊙ tanh(q_z) and o = σ(q_o), each [..., hidden]. Keeps the activations [f, i, o, z] for backward,
/// which writes ∂L/∂q into ∂L/∂u and into ∂L/∂p's columns (the others zero) in the same pass.
/// </summary>
internal sealed class LstmGatesFunction : MultiTensorFunction<LstmGatesFunction>
{
    /// <inheritdoc/>
    public override string Name => "LstmGates";

    /// <inheritdoc/>
    public override List<Tensor> forward(AutogradContext ctx, params object[] vars)
    {
        var (p, offset, u) = ((Tensor)vars[0], (int)vars[1], (Tensor)vars[2]);
        long[] shape = [.. u.shape[..^1], u.size(-1) / 4];
        var (f, iz, o) = (empty(shape, dtype: u.dtype), empty(shape, dtype: u.dtype), empty(shape, dtype: u.dtype));
        var act = empty_like(u);
        if (u.dtype == ScalarType.Float32) Forward<float>(p, offset, u, act, f, iz, o);
        else Forward<double>(p, offset, u, act, f, iz, o);
        ctx.save_for_backward([act]);
        ctx.save_data("offset", offset);
        ctx.save_data("width", p.size(-1));
        return [f, iz, o];
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(AutogradContext ctx, List<Tensor> gradOutputs)
    {
        var saved = ctx.get_saved_variables();
        try
        {
            var act = saved[0];
            var (offset, width) = ((int)ctx.get_data("offset"), (long)ctx.get_data("width"));
            using var gradF = gradOutputs[0].contiguous();
            using var gradIz = gradOutputs[1].contiguous();
            using var gradO = gradOutputs[2].contiguous();
            var gradU = empty_like(act);
            var gradP = empty([.. act.shape[..^1], width], dtype: act.dtype);
            if (act.dtype == ScalarType.Float32) Backward<float>(act, gradF, gradIz, gradO, gradU, gradP, offset);
            else Backward<double>(act, gradF, gradIz, gradO, gradU, gradP, offset);
            return [gradP, null!, gradU];
        }
        finally
        {
            foreach (var t in saved) t?.Dispose();
            foreach (var t in gradOutputs) t?.Dispose(); // handles TorchSharp made for this call
        }
    }

    static unsafe void Forward<T>(Tensor p, int offset, Tensor u, Tensor act, Tensor f, Tensor iz, Tensor o)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int n = (int)f.size(-1);
        long rows = f.numel() / Math.Max(n, 1), width = p.size(-1);
        T* pp = Pointer<T>(p), up = Pointer<T>(u), ap = Pointer<T>(act), fp = Pointer<T>(f), izp = Pointer<T>(iz), op = Pointer<T>(o);
        for (long r = 0; r < rows; r++)
            GateRows.Gates<T>(new(pp + r * width + offset, 4 * n), new(up + r * 4 * n, 4 * n), new(ap + r * 4 * n, 4 * n),
                new(fp + r * n, n), new(izp + r * n, n), new(op + r * n, n));
    }

    static unsafe void Backward<T>(Tensor act, Tensor gradF, Tensor gradIz, Tensor gradO, Tensor gradU, Tensor gradP, int offset)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int n = (int)gradF.size(-1);
        long rows = gradF.numel() / Math.Max(n, 1), width = gradP.size(-1);
        T* ap = Pointer<T>(act), gf = Pointer<T>(gradF), giz = Pointer<T>(gradIz), go = Pointer<T>(gradO), gu = Pointer<T>(gradU), gp = Pointer<T>(gradP);
        for (long r = 0; r < rows; r++)
        {
            var gq = new Span<T>(gu + r * 4 * n, 4 * n);
            GateRows.GatesBackward<T>(new(ap + r * 4 * n, 4 * n), new(gf + r * n, n), new(giz + r * n, n), new(go + r * n, n), gq);
            var row = new Span<T>(gp + r * width, (int)width);
            row[..offset].Clear();
            gq.CopyTo(row[offset..]);
            row[(offset + 4 * n)..].Clear();
        }
    }
}
