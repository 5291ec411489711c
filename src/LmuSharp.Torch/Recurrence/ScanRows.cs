using System.Numerics;
using System.Runtime.CompilerServices;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// The per-time-step row operations of the linear-recurrence kernel: elementwise over n channels,
/// SIMD with <see cref="Vector{T}"/> and a scalar tail. Multiply and add stay separate (no fused
/// multiply-add), so the sequential kernel reproduces the plain loop bit for bit.
/// The scan steps take a direction: a pass that walks time backwards through memory walks each row backwards
/// too, so every stream is one monotone run that the hardware prefetchers follow across rows (measured faster
/// for wide rows than jumping back a row and reading it forwards).
/// </summary>
internal static unsafe class ScanRows
{
    /// <summary>Forward step: h = a ⊙ p + x (p = h_{t-1}).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Step<T>(T* a, T* p, T* x, T* h, int n, bool descending) where T : unmanaged, INumber<T>
    {
        int blocks = n / Vector<T>.Count;
        for (int k = 0; k < blocks; k++)
        {
            int j = (descending ? blocks - 1 - k : k) * Vector<T>.Count;
            (Vector.Load(a + j) * Vector.Load(p + j) + Vector.Load(x + j)).Store(h + j);
        }
        for (int j = blocks * Vector<T>.Count; j < n; j++) h[j] = a[j] * p[j] + x[j];
    }

    /// <summary>
    /// Backward step: g = ∂L/∂h_t + ma ⊙ mg (ma ⊙ mg = a_{t+1} ⊙ g_{t+1}); ∂L/∂x_t = g;
    /// ∂L/∂a_t = g ⊙ hp (hp = h_{t-1}), stored, or added when a is shared across time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BackStep<T>(T* gradH, T* ma, T* mg, T* hp, T* gradX, T* gradA, bool accumulate, int n, bool descending)
        where T : unmanaged, INumber<T>
    {
        int blocks = n / Vector<T>.Count;
        for (int k = 0; k < blocks; k++)
        {
            int j = (descending ? blocks - 1 - k : k) * Vector<T>.Count;
            var g = Vector.Load(gradH + j) + Vector.Load(ma + j) * Vector.Load(mg + j);
            g.Store(gradX + j);
            var ga = g * Vector.Load(hp + j);
            (accumulate ? Vector.Load(gradA + j) + ga : ga).Store(gradA + j);
        }
        for (int j = blocks * Vector<T>.Count; j < n; j++)
        {
            var g = gradH[j] + ma[j] * mg[j];
            gradX[j] = g;
            gradA[j] = accumulate ? gradA[j] + g * hp[j] : g * hp[j];
        }
    }

    /// <summary>Chunk reduction, forward: e = a ⊙ e + x (the chunk's end state from a zero start); p = a ⊙ p (Π a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ReduceStep<T>(T* a, T* x, T* e, T* p, int n, bool descending) where T : unmanaged, INumber<T>
    {
        int blocks = n / Vector<T>.Count;
        for (int k = 0; k < blocks; k++)
        {
            int j = (descending ? blocks - 1 - k : k) * Vector<T>.Count;
            var av = Vector.Load(a + j);
            (av * Vector.Load(e + j) + Vector.Load(x + j)).Store(e + j);
            (av * Vector.Load(p + j)).Store(p + j);
        }
        for (int j = blocks * Vector<T>.Count; j < n; j++)
        {
            e[j] = a[j] * e[j] + x[j];
            p[j] = a[j] * p[j];
        }
    }

    /// <summary>Chunk reduction, backward: q = a ⊙ (∂L/∂h + q) (the carry a_t ⊙ g_t from a zero start); p = a ⊙ p.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ReduceBackStep<T>(T* a, T* gradH, T* q, T* p, int n, bool descending) where T : unmanaged, INumber<T>
    {
        int blocks = n / Vector<T>.Count;
        for (int k = 0; k < blocks; k++)
        {
            int j = (descending ? blocks - 1 - k : k) * Vector<T>.Count;
            var av = Vector.Load(a + j);
            (av * (Vector.Load(gradH + j) + Vector.Load(q + j))).Store(q + j);
            (av * Vector.Load(p + j)).Store(p + j);
        }
        for (int j = blocks * Vector<T>.Count; j < n; j++)
        {
            q[j] = a[j] * (gradH[j] + q[j]);
            p[j] = a[j] * p[j];
        }
    }

    /// <summary>Carry across a chunk: y = p ⊙ c + e.</summary>
    public static void Carry<T>(T* p, T* c, T* e, T* y, int n) where T : unmanaged, INumber<T> => Step(p, c, e, y, n, descending: false);

    /// <summary>y = u ⊙ v.</summary>
    public static void Multiply<T>(T* u, T* v, T* y, int n) where T : unmanaged, INumber<T>
    {
        int j = 0;
        for (; j <= n - Vector<T>.Count; j += Vector<T>.Count)
            (Vector.Load(u + j) * Vector.Load(v + j)).Store(y + j);
        for (; j < n; j++) y[j] = u[j] * v[j];
    }

    /// <summary>y += u.</summary>
    public static void AddTo<T>(T* u, T* y, int n) where T : unmanaged, INumber<T>
    {
        int j = 0;
        for (; j <= n - Vector<T>.Count; j += Vector<T>.Count)
            (Vector.Load(y + j) + Vector.Load(u + j)).Store(y + j);
        for (; j < n; j++) y[j] += u[j];
    }

    /// <summary>y = v for all n elements.</summary>
    public static void Fill<T>(T* y, T v, int n) where T : unmanaged => new Span<T>(y, n).Fill(v);
}
