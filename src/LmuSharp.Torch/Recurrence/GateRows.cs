using System.Numerics;
using System.Numerics.Tensors;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// The GILR-LSTM's elementwise gate arithmetic on one time step's row of pre-activations, forward and backward, so
/// that a whole sequence's gates take one pass over memory instead of one TorchSharp op (and one temporary tensor) per
/// term. σ and tanh come from <see cref="TensorPrimitives"/> (vectorised); the products are <see cref="Vector{T}"/> loops.
/// </summary>
internal static class GateRows
{
    /// <summary>One GILR step from a = σ(p_g) and t = tanh(p_c): h̃_t = a ⊙ h̃_{t-1} + (1 − a) ⊙ t.</summary>
    public static void GilrStep<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> t, ReadOnlySpan<T> previous, Span<T> state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        for (; j <= a.Length - Vector<T>.Count; j += Vector<T>.Count)
        {
            Vector<T> av = new(a[j..]), tv = new(t[j..]);
            (av * new Vector<T>(previous[j..]) + (Vector<T>.One - av) * tv).CopyTo(state[j..]);
        }
        for (; j < a.Length; j++) state[j] = a[j] * previous[j] + (T.One - a[j]) * t[j];
    }

    /// <summary>
    /// LSTM gates from q = p + u = [q_f, q_i, q_o, q_z] (p: the input's projection, u: U h̃_prev): f = σ(q_f),
    /// i ⊙ z = σ(q_i) ⊙ tanh(q_z), o = σ(q_o); the activations [f, i, o, z] are left in <paramref name="act"/>.
    /// </summary>
    public static void Gates<T>(ReadOnlySpan<T> p, ReadOnlySpan<T> u, Span<T> act, Span<T> f, Span<T> iz, Span<T> o)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = f.Length;
        Activations(p, u, act);
        act[..n].CopyTo(f);
        TensorPrimitives.Multiply(act.Slice(n, n), act.Slice(3 * n, n), iz);
        act.Slice(2 * n, n).CopyTo(o);
    }

    /// <summary>The activations [f, i, o, z] = [σ(q_f), σ(q_i), σ(q_o), tanh(q_z)] of q = p + u, into <paramref name="act"/>.</summary>
    public static void Activations<T>(ReadOnlySpan<T> p, ReadOnlySpan<T> u, Span<T> act) where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Add(p, u, act);
        Activations(act);
    }

    /// <summary>[q_f, q_i, q_o, q_z] → [σ(q_f), σ(q_i), σ(q_o), tanh(q_z)] in place.</summary>
    public static void Activations<T>(Span<T> act) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = act.Length / 4;
        TensorPrimitives.Sigmoid(act[..(3 * n)], act[..(3 * n)]);
        TensorPrimitives.Tanh(act.Slice(3 * n, n), act.Slice(3 * n, n));
    }

    /// <summary>
    /// Backward of one <see cref="GilrStep{T}"/>, last step first: ∂L/∂p_g = a(1 − a)(h̃_{t-1} − t) ⊙ G_t and
    /// ∂L/∂p_c = (1 − a)(1 − t²) ⊙ G_t; <paramref name="grad"/> holds G_t = ∂L/∂h̃_t on entry and
    /// G_{t-1} = <paramref name="gradFromGates"/> + a ⊙ G_t on return (gradFromGates: what h̃_{t-1} receives through step t's gates).
    /// </summary>
    public static void GilrStepBackward<T>(ReadOnlySpan<T> aRow, ReadOnlySpan<T> tRow, ReadOnlySpan<T> previous, ReadOnlySpan<T> gradFromGates,
        Span<T> grad, Span<T> gradGate, Span<T> gradCandidate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = 0;
        for (; j <= grad.Length - Vector<T>.Count; j += Vector<T>.Count)
        {
            Vector<T> a = new(aRow[j..]), t = new(tRow[j..]), g = new(grad[j..]), rest = Vector<T>.One - a;
            (a * rest * (new Vector<T>(previous[j..]) - t) * g).CopyTo(gradGate[j..]);
            (rest * (Vector<T>.One - t * t) * g).CopyTo(gradCandidate[j..]);
            (new Vector<T>(gradFromGates[j..]) + a * g).CopyTo(grad[j..]);
        }
        for (; j < grad.Length; j++)
        {
            T a = aRow[j], t = tRow[j], g = grad[j], rest = T.One - a;
            gradGate[j] = a * rest * (previous[j] - t) * g;
            gradCandidate[j] = rest * (T.One - t * t) * g;
            grad[j] = gradFromGates[j] + a * g;
        }
    }

    /// <summary>One cell step from the activations [f, i, o, z]: c_t = f ⊙ c_{t-1} + i ⊙ z, h_t = o ⊙ c_t.</summary>
    public static void CellStep<T>(ReadOnlySpan<T> act, ReadOnlySpan<T> previous, Span<T> cell, Span<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = cell.Length;
        ReadOnlySpan<T> fs = act[..n], js = act.Slice(n, n), os = act.Slice(2 * n, n), zs = act.Slice(3 * n, n);
        int j = 0;
        for (; j <= n - Vector<T>.Count; j += Vector<T>.Count)
        {
            var c = new Vector<T>(fs[j..]) * new Vector<T>(previous[j..]) + new Vector<T>(js[j..]) * new Vector<T>(zs[j..]);
            c.CopyTo(cell[j..]);
            (new Vector<T>(os[j..]) * c).CopyTo(output[j..]);
        }
        for (; j < n; j++)
        {
            cell[j] = fs[j] * previous[j] + js[j] * zs[j];
            output[j] = os[j] * cell[j];
        }
    }

    /// <summary>
    /// Backward of one <see cref="CellStep{T}"/>, last step first, into ∂L/∂q = ∂L/∂[q_f, q_i, q_o, q_z].
    /// <paramref name="carry"/> holds f_{t+1} ⊙ ∂L/∂c_{t+1} (∂L/∂c_T at the last step) on entry and f_t ⊙ ∂L/∂c_t on return;
    /// ∂L/∂c_t = o ⊙ ∂L/∂h_t + carry; ∂L/∂q_f = f(1 − f) c_{t-1} ∂L/∂c_t, ∂L/∂q_i = i(1 − i) z ∂L/∂c_t,
    /// ∂L/∂q_o = o(1 − o) c_t ∂L/∂h_t, ∂L/∂q_z = (1 − z²) i ∂L/∂c_t.
    /// </summary>
    public static void CellStepBackward<T>(ReadOnlySpan<T> act, ReadOnlySpan<T> previous, ReadOnlySpan<T> cell, ReadOnlySpan<T> gradOutput,
        Span<T> carry, Span<T> gradQ) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = carry.Length;
        ReadOnlySpan<T> fs = act[..n], js = act.Slice(n, n), os = act.Slice(2 * n, n), zs = act.Slice(3 * n, n);
        Span<T> gf = gradQ[..n], gi = gradQ.Slice(n, n), go = gradQ.Slice(2 * n, n), gz = gradQ.Slice(3 * n, n);
        int j = 0;
        for (; j <= n - Vector<T>.Count; j += Vector<T>.Count)
        {
            Vector<T> f = new(fs[j..]), i = new(js[j..]), o = new(os[j..]), z = new(zs[j..]), gh = new(gradOutput[j..]);
            var gc = o * gh + new Vector<T>(carry[j..]);
            (f * (Vector<T>.One - f) * new Vector<T>(previous[j..]) * gc).CopyTo(gf[j..]);
            (i * (Vector<T>.One - i) * z * gc).CopyTo(gi[j..]);
            (o * (Vector<T>.One - o) * new Vector<T>(cell[j..]) * gh).CopyTo(go[j..]);
            ((Vector<T>.One - z * z) * i * gc).CopyTo(gz[j..]);
            (f * gc).CopyTo(carry[j..]);
        }
        for (; j < n; j++)
        {
            T f = fs[j], i = js[j], o = os[j], z = zs[j], gh = gradOutput[j], gc = o * gh + carry[j];
            gf[j] = f * (T.One - f) * previous[j] * gc;
            gi[j] = i * (T.One - i) * z * gc;
            go[j] = o * (T.One - o) * cell[j] * gh;
            gz[j] = (T.One - z * z) * i * gc;
            carry[j] = f * gc;
        }
    }

    /// <summary>
    /// Backward of <see cref="Gates{T}"/> from ∂L/∂f, ∂L/∂(i ⊙ z), ∂L/∂o and the activations [f, i, o, z] into ∂L/∂q:
    /// ∂L/∂q_f = f(1 − f) ∂L/∂f, ∂L/∂q_i = i(1 − i) z ∂L/∂(iz), ∂L/∂q_o = o(1 − o) ∂L/∂o, ∂L/∂q_z = (1 − z²) i ∂L/∂(iz).
    /// </summary>
    public static void GatesBackward<T>(ReadOnlySpan<T> act, ReadOnlySpan<T> gradF, ReadOnlySpan<T> gradIz, ReadOnlySpan<T> gradO, Span<T> gradQ)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = gradF.Length;
        ReadOnlySpan<T> fs = act[..n], js = act.Slice(n, n), os = act.Slice(2 * n, n), zs = act.Slice(3 * n, n);
        Span<T> gf = gradQ[..n], gi = gradQ.Slice(n, n), go = gradQ.Slice(2 * n, n), gz = gradQ.Slice(3 * n, n);
        int j = 0;
        for (; j <= n - Vector<T>.Count; j += Vector<T>.Count)
        {
            Vector<T> f = new(fs[j..]), i = new(js[j..]), o = new(os[j..]), z = new(zs[j..]), giz = new(gradIz[j..]);
            (f * (Vector<T>.One - f) * new Vector<T>(gradF[j..])).CopyTo(gf[j..]);
            (i * (Vector<T>.One - i) * z * giz).CopyTo(gi[j..]);
            (o * (Vector<T>.One - o) * new Vector<T>(gradO[j..])).CopyTo(go[j..]);
            ((Vector<T>.One - z * z) * i * giz).CopyTo(gz[j..]);
        }
        for (; j < n; j++)
        {
            T f = fs[j], i = js[j], o = os[j], z = zs[j];
            gf[j] = f * (T.One - f) * gradF[j];
            gi[j] = i * (T.One - i) * z * gradIz[j];
            go[j] = o * (T.One - o) * gradO[j];
            gz[j] = (T.One - z * z) * i * gradIz[j];
        }
    }
}
