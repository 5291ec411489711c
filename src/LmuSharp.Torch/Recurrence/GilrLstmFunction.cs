using TorchSharp;
using System.Numerics;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;
using static LmuSharp.Torch.Recurrence.TensorMemory;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// Autograd function of a whole <see cref="GilrLstm"/> sequence from its projection, forward and backward in C# passes
/// over time (<see cref="GateRows"/>) around two libtorch matrix products, so that no per-step or per-term tensor and
/// no autograd graph exists inside the layer. Arguments (contiguous CPU tensors, float32 or float64): the projection
/// p [B, L, 6·H] = [p_g, p_c, V x + b], U [4·H, H], h̃_0 and c_0 [B, H]. Returns h [B, L, H], h̃_L and c_L [B, H].
/// <code>
/// forward:   h̃_t = a_t ⊙ h̃_{t-1} + (1 − a_t) ⊙ tanh(p_c),  a_t = σ(p_g)      map + scan
///            Q = p[2H:] + [h̃_0 … h̃_{L-1}] Uᵀ                                one product
///            [f, i, o, z] = [σ, σ, σ, tanh](Q);  c_t = f ⊙ c_{t-1} + i ⊙ z;  h_t = o ⊙ c_t    map + scan
/// backward:  ∂L/∂Q from ∂L/∂h, ∂L/∂c_L (reverse scan over c);  ∂L/∂U = ∂L/∂Qᵀ h̃_prev, ∂L/∂h̃_prev = ∂L/∂Q U   two products
///            ∂L/∂p_g, ∂L/∂p_c from ∂L/∂h̃_L and ∂L/∂h̃_prev (reverse scan over h̃)
/// </code>
/// Saves U, [a, t] = [σ(p_g), tanh(p_c)], h̃_0…h̃_L, c_0…c_L and the activations [f, i, o, z] (8·H values a step), so
/// that backward evaluates no σ or tanh. The maps (σ, tanh) run over time blocks on up to torch.get_num_threads() cores;
/// the scans are sequential in time.
/// </summary>
internal sealed class GilrLstmFunction : MultiTensorFunction<GilrLstmFunction>
{
    /// <summary>Fewest rows (time steps × sequences) per block of a parallel map.</summary>
    const int MinBlockRows = 256;

    /// <inheritdoc/>
    public override string Name => nameof(GilrLstm);

    /// <inheritdoc/>
    public override List<Tensor> forward(AutogradContext ctx, params object[] vars)
    {
        var (p, u, gilr0, cell0) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3]);
        long batch = p.size(0), time = p.size(1), hidden = u.size(1);
        var coefficients = empty([batch, time, 2 * hidden], dtype: p.dtype); // [a, t] = [σ(p_g), tanh(p_c)]
        var states = empty([batch, time + 1, hidden], dtype: p.dtype);       // h̃_0 … h̃_L
        var cells = empty([batch, time + 1, hidden], dtype: p.dtype);        // c_0 … c_L
        var h = empty([batch, time, hidden], dtype: p.dtype);
        states.select(1, 0).copy_(gilr0);
        cells.select(1, 0).copy_(cell0);
        var act = p.dtype == ScalarType.Float32 ? Forward<float>(p, u, coefficients, states, cells, h) : Forward<double>(p, u, coefficients, states, cells, h);
        ctx.save_for_backward([u, coefficients, states, cells, act]);
        // Gradients of outputs nothing read arrive undefined (see Defined): TorchSharp's zeros for them come from copies of
        // the outputs that the caller's dispose scope may already have freed.
        ctx.set_materialize_grads(false);
        return [h, states.select(1, time).clone(), cells.select(1, time).clone()];
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(AutogradContext ctx, List<Tensor> gradOutputs)
    {
        var saved = ctx.get_saved_variables();
        try
        {
            using var scope = NewDisposeScope();
            var (u, coefficients, states, cells, act) = (saved[0], saved[1], saved[2], saved[3], saved[4]);
            long batch = act.size(0), time = act.size(1), hidden = u.size(1);
            var gradH = Defined(gradOutputs[0], [batch, time, hidden], act.dtype);
            var gradGilr = Defined(gradOutputs[1], [batch, hidden], act.dtype).clone(); // ∂L/∂h̃_L in, ∂L/∂h̃_0 out
            var gradCell = Defined(gradOutputs[2], [batch, hidden], act.dtype).clone(); // ∂L/∂c_L in, ∂L/∂c_0 out
            var gradP = empty([batch, time, 6 * hidden], dtype: act.dtype);
            var gradU = act.dtype == ScalarType.Float32
                ? Backward<float>(u, coefficients, states, cells, act, gradH, gradGilr, gradCell, gradP)
                : Backward<double>(u, coefficients, states, cells, act, gradH, gradGilr, gradCell, gradP);
            List<Tensor> result = [gradP, gradU, gradGilr, gradCell];
            foreach (var t in result) t.MoveToOuterDisposeScope();
            return result;
        }
        finally
        {
            foreach (var t in saved) t?.Dispose();
            foreach (var t in gradOutputs) t?.Dispose(); // handles TorchSharp made for this call
        }
    }

    /// <summary>A gradient autograd left undefined (an output nothing read) as zeros; otherwise contiguous.</summary>
    static Tensor Defined(Tensor? grad, long[] shape, ScalarType dtype) =>
        grad is null || grad.IsInvalid ? zeros(shape, dtype: dtype) : grad.contiguous();

    // Row r = b·L + t of p, the coefficients, the activations and h; rows b·(L + 1) + t and b·(L + 1) + t + 1 of the
    // states and cells hold h̃_{t-1}, c_{t-1} and h̃_t, c_t.

    /// <summary>Fills the coefficients, states, cells and h; returns the activations [f, i, o, z] [B, L, 4·H].</summary>
    static unsafe Tensor Forward<T>(Tensor p, Tensor u, Tensor coefficients, Tensor states, Tensor cells, Tensor h)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)u.size(1);
        long batch = p.size(0), time = p.size(1);
        T* pp = Pointer<T>(p), kp = Pointer<T>(coefficients), sp = Pointer<T>(states), cp = Pointer<T>(cells), hp = Pointer<T>(h);
        // Map: a = σ(p_g), t = tanh(p_c); scan: h̃_t = a ⊙ h̃_{t-1} + (1 − a) ⊙ t.
        Rows(batch * time, (r0, r1) =>
        {
            for (long r = r0; r < r1; r++)
            {
                System.Numerics.Tensors.TensorPrimitives.Sigmoid(new ReadOnlySpan<T>(pp + r * 6 * n, n), new Span<T>(kp + r * 2 * n, n));
                System.Numerics.Tensors.TensorPrimitives.Tanh(new ReadOnlySpan<T>(pp + r * 6 * n + n, n), new Span<T>(kp + r * 2 * n + n, n));
            }
        });
        for (long b = 0; b < batch; b++)
            for (long t = 0; t < time; t++)
            {
                long r = b * time + t;
                T* s = sp + (r + b) * n;
                GateRows.GilrStep<T>(new(kp + r * 2 * n, n), new(kp + r * 2 * n + n, n), new(s, n), new(s + n, n));
            }
        // q = V x + b + U h̃_{t-1} for every t: one product and one addition; map: [f, i, o, z] = [σ, σ, σ, tanh](q) in place.
        var act = matmul(states.narrow(1, 0, time), u.t()).add_(p.narrow(-1, 2 * n, 4 * n));
        T* ap = Pointer<T>(act);
        Rows(batch * time, (r0, r1) =>
        {
            for (long r = r0; r < r1; r++) GateRows.Activations(new Span<T>(ap + r * 4 * n, 4 * n));
        });
        // Scan: c_t = f ⊙ c_{t-1} + i ⊙ z, h_t = o ⊙ c_t.
        for (long b = 0; b < batch; b++)
            for (long t = 0; t < time; t++)
            {
                long r = b * time + t;
                T* c = cp + (r + b) * n;
                GateRows.CellStep<T>(new(ap + r * 4 * n, 4 * n), new(c, n), new(c + n, n), new(hp + r * n, n));
            }
        return act;
    }

    /// <summary>Writes ∂L/∂p into gradP, turns gradGilr and gradCell (∂L/∂h̃_L, ∂L/∂c_L) into ∂L/∂h̃_0, ∂L/∂c_0; returns ∂L/∂U.</summary>
    static unsafe Tensor Backward<T>(Tensor u, Tensor coefficients, Tensor states, Tensor cells, Tensor act, Tensor gradH, Tensor gradGilr,
        Tensor gradCell, Tensor gradP) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = (int)u.size(1);
        long batch = act.size(0), time = act.size(1);
        T* kp = Pointer<T>(coefficients), sp = Pointer<T>(states), cp = Pointer<T>(cells), ap = Pointer<T>(act), ghp = Pointer<T>(gradH);
        T* gs = Pointer<T>(gradGilr), gc = Pointer<T>(gradCell), gp = Pointer<T>(gradP);
        // Reverse scan over c: ∂L/∂q into ∂L/∂p's last 4·H columns.
        for (long b = 0; b < batch; b++)
            for (long t = time - 1; t >= 0; t--)
            {
                long r = b * time + t;
                T* c = cp + (r + b) * n;
                GateRows.CellStepBackward<T>(new(ap + r * 4 * n, 4 * n), new(c, n), new(c + n, n), new(ghp + r * n, n),
                    new(gc + b * n, n), new(gp + r * 6 * n + 2 * n, 4 * n));
            }
        var gradQ = gradP.view(batch * time, 6 * n).narrow(1, 2 * n, 4 * n);
        var gradU = gradQ.t().mm(states.narrow(1, 0, time).reshape(batch * time, n));
        using var gradPrevious = gradQ.mm(u); // ∂L/∂h̃_{t-1} through step t's gates
        T* gq = Pointer<T>(gradPrevious);
        // Reverse scan over h̃: ∂L/∂p_g, ∂L/∂p_c into ∂L/∂p's first 2·H columns.
        for (long b = 0; b < batch; b++)
            for (long t = time - 1; t >= 0; t--)
            {
                long r = b * time + t;
                GateRows.GilrStepBackward<T>(new(kp + r * 2 * n, n), new(kp + r * 2 * n + n, n), new(sp + (r + b) * n, n), new(gq + r * n, n),
                    new(gs + b * n, n), new(gp + r * 6 * n, n), new(gp + r * 6 * n + n, n));
            }
        return gradU;
    }

    static int Threads() => Math.Max(1, get_num_threads());

    /// <summary>body(r0, r1) over rows [0, rows) in blocks of at least <see cref="MinBlockRows"/>, on up to <see cref="Threads"/> cores.</summary>
    static void Rows(long rows, Action<long, long> body)
    {
        int blocks = (int)Math.Min(Threads(), Math.Max(1, rows / MinBlockRows));
        if (blocks == 1) body(0, rows);
        else Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = blocks }, k => body(rows * k / blocks, rows * (k + 1) / blocks));
    }
}
