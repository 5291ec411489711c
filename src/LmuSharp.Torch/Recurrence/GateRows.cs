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
    /// <summary>GILR coefficients: a = σ(p_g), x = (1 − a) ⊙ tanh(p_c).</summary>
    public static void Coefficients<T>(ReadOnlySpan<T> gatePre, ReadOnlySpan<T> candidatePre, Span<T> a, Span<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Sigmoid(gatePre, a);
        TensorPrimitives.Tanh(candidatePre, x);
        int j = 0;
        for (; j <= a.Length - Vector<T>.Count; j += Vector<T>.Count)
        {
            var av = new Vector<T>(a[j..]);
            ((Vector<T>.One - av) * new Vector<T>(x[j..])).CopyTo(x[j..]);
        }
        for (; j < a.Length; j++) x[j] = (T.One - a[j]) * x[j];
    }

    /// <summary>
    /// Backward of <see cref="Coefficients{T}"/> from ∂L/∂a and ∂L/∂x, with a = σ(p_g), t = tanh(p_c) recomputed into
    /// the output rows: ∂L/∂p_g = a(1 − a)(∂L/∂a − t ∂L/∂x), ∂L/∂p_c = (1 − a)(1 − t²) ∂L/∂x.
    /// </summary>
    public static void CoefficientsBackward<T>(ReadOnlySpan<T> gatePre, ReadOnlySpan<T> candidatePre, ReadOnlySpan<T> gradA, ReadOnlySpan<T> gradX,
        Span<T> gradGate, Span<T> gradCandidate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Sigmoid(gatePre, gradGate);       // a
        TensorPrimitives.Tanh(candidatePre, gradCandidate); // t
        int j = 0;
        for (; j <= gradGate.Length - Vector<T>.Count; j += Vector<T>.Count)
        {
            Vector<T> a = new(gradGate[j..]), t = new(gradCandidate[j..]), gx = new(gradX[j..]), rest = Vector<T>.One - a;
            (a * rest * (new Vector<T>(gradA[j..]) - t * gx)).CopyTo(gradGate[j..]);
            (rest * (Vector<T>.One - t * t) * gx).CopyTo(gradCandidate[j..]);
        }
        for (; j < gradGate.Length; j++)
        {
            T a = gradGate[j], t = gradCandidate[j], rest = T.One - a;
            gradGate[j] = a * rest * (gradA[j] - t * gradX[j]);
            gradCandidate[j] = rest * (T.One - t * t) * gradX[j];
        }
    }

    /// <summary>
    /// LSTM gates from q = p + u = [q_f, q_i, q_o, q_z] (p: the input's projection, u: U h̃_prev): f = σ(q_f),
    /// i ⊙ z = σ(q_i) ⊙ tanh(q_z), o = σ(q_o); the activations [f, i, o, z] are left in <paramref name="act"/>.
    /// </summary>
    public static void Gates<T>(ReadOnlySpan<T> p, ReadOnlySpan<T> u, Span<T> act, Span<T> f, Span<T> iz, Span<T> o)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = f.Length;
        TensorPrimitives.Add(p, u, act);
        TensorPrimitives.Sigmoid(act[..(3 * n)], act[..(3 * n)]);
        TensorPrimitives.Tanh(act.Slice(3 * n, n), act.Slice(3 * n, n));
        act[..n].CopyTo(f);
        TensorPrimitives.Multiply(act.Slice(n, n), act.Slice(3 * n, n), iz);
        act.Slice(2 * n, n).CopyTo(o);
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
