using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;
using static LmuSharp.Torch.Recurrence.TensorMemory;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// Autograd function of the GILR-LSTM gates in one pass (<see cref="GateRows"/>): from q = [q_f, q_i, q_o, q_z]
/// [..., 4·hidden] (contiguous CPU, float32 or float64), f = σ(q_f), i ⊙ z = σ(q_i) ⊙ tanh(q_z) and o = σ(q_o), each
/// [..., hidden]. Backward recomputes the gates from q.
/// </summary>
internal sealed class LstmGatesFunction : MultiTensorFunction<LstmGatesFunction>
{
    /// <inheritdoc/>
    public override string Name => "LstmGates";

    /// <inheritdoc/>
    public override List<Tensor> forward(AutogradContext ctx, params object[] vars)
    {
        var q = (Tensor)vars[0];
        long[] shape = [.. q.shape[..^1], q.size(-1) / 4];
        var (f, iz, o) = (empty(shape, dtype: q.dtype), empty(shape, dtype: q.dtype), empty(shape, dtype: q.dtype));
        if (q.dtype == ScalarType.Float32) Forward<float>(q, f, iz, o);
        else Forward<double>(q, f, iz, o);
        ctx.save_for_backward([q]);
        return [f, iz, o];
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(AutogradContext ctx, List<Tensor> gradOutputs)
    {
        var saved = ctx.get_saved_variables();
        try
        {
            var q = saved[0];
            using var gradF = gradOutputs[0].contiguous();
            using var gradIz = gradOutputs[1].contiguous();
            using var gradO = gradOutputs[2].contiguous();
            var gradQ = empty_like(q);
            if (q.dtype == ScalarType.Float32) Backward<float>(q, gradF, gradIz, gradO, gradQ);
            else Backward<double>(q, gradF, gradIz, gradO, gradQ);
            return [gradQ];
        }
        finally
        {
            foreach (var t in saved) t?.Dispose();
            foreach (var t in gradOutputs) t?.Dispose(); // handles TorchSharp made for this call
        }
    }

    static unsafe void Forward<T>(Tensor q, Tensor f, Tensor iz, Tensor o) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int n = (int)f.size(-1);
        long rows = f.numel() / Math.Max(n, 1);
        T* qp = Pointer<T>(q), fp = Pointer<T>(f), izp = Pointer<T>(iz), op = Pointer<T>(o);
        var scratch = new T[n];
        for (long r = 0; r < rows; r++)
            GateRows.Gates<T>(new(qp + r * 4 * n, 4 * n), new(fp + r * n, n), new(izp + r * n, n), new(op + r * n, n), scratch);
    }

    static unsafe void Backward<T>(Tensor q, Tensor gradF, Tensor gradIz, Tensor gradO, Tensor gradQ) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int n = (int)gradF.size(-1);
        long rows = gradF.numel() / Math.Max(n, 1);
        T* qp = Pointer<T>(q), gf = Pointer<T>(gradF), giz = Pointer<T>(gradIz), go = Pointer<T>(gradO), gq = Pointer<T>(gradQ);
        for (long r = 0; r < rows; r++)
            GateRows.GatesBackward<T>(new(qp + r * 4 * n, 4 * n), new(gf + r * n, n), new(giz + r * n, n), new(go + r * n, n), new(gq + r * 4 * n, 4 * n));
    }
}
