using System.Runtime.InteropServices;
using LmuSharp.Memory;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch;

/// <summary>
/// Ā, B̄, the impulse response H_k = Ā^k B̄ and the powers Ā^k as tensors of a given dtype and device.
/// Fixed θ, A, B: computed once in double by <see cref="LegendreStateSpace"/> and cached per (size, dtype, device).
/// Trainable θ⁻¹ or A, B: recomputed differentiably with torch ops on every call (docs/MATH.md §1, "Trainable θ").
/// </summary>
internal sealed class LegendreTensors : IDisposable
{
    readonly LmuOptions _options;
    readonly DiscreteLegendreSystem _system;
    double[,] _impulse = new double[0, 0];
    readonly Dictionary<(string What, long Size, ScalarType Type, string Device), Tensor> _cache = [];

    /// <summary>The tensors of a cell with <paramref name="options"/>, whose fixed memory is <paramref name="system"/>.</summary>
    public LegendreTensors(LmuOptions options, DiscreteLegendreSystem system)
    {
        _options = options;
        _system = system;
    }

    /// <summary>The continuous A (d × d) and B (d) in double, for initialising trainable copies.</summary>
    public static (Tensor A, Tensor B) Continuous(int order) =>
        (FromArray(LegendreStateSpace.A(order), ScalarType.Float64, CPU), tensor(LegendreStateSpace.B(order), ScalarType.Float64));

    /// <summary>(Ā [d, d], B̄ [d]). <paramref name="trainable"/> holds θ⁻¹, A, B when any of them is learnt.</summary>
    public (Tensor ABar, Tensor BBar) Matrices(ScalarType dtype, Device device, Trainable? trainable)
    {
        if (trainable is { } t) return Differentiable(t, dtype, device);
        var aBar = Cached("abar", 0, dtype, device, () => FromArray(_system.ABar, dtype, device));
        var bBar = Cached("bbar", 0, dtype, device, () => tensor(_system.BBar, dtype, device));
        return (aBar.alias(), bBar.alias());
    }

    /// <summary>H_0..H_{length−1} as a [length, d] tensor.</summary>
    public Tensor Impulse(long length, ScalarType dtype, Device device, Trainable? trainable)
    {
        if (trainable is { } t)
        {
            var (aBar, bBar) = Differentiable(t, dtype, device);
            return ImpulseByDoubling(aBar, bBar, length);
        }
        return Cached("impulse", length, dtype, device, () => FromArray(FixedImpulse(length), dtype, device)).alias();
    }

    /// <summary>rfft of H_0..H_{length−1} zero-padded to <paramref name="n"/> points, [d, n/2 + 1] complex.</summary>
    public Tensor ImpulseSpectrum(long length, long n, ScalarType dtype, Device device, Trainable? trainable)
    {
        if (trainable is not null)
        {
            using var h = Impulse(length, dtype, device, trainable);
            return fft.rfft(h.mT, n, -1);
        }
        return Cached($"spectrum-{n}", length, dtype, device, () =>
        {
            using var h = Impulse(length, dtype, device, null);
            return fft.rfft(h.mT, n, -1);
        }).alias();
    }

    /// <summary>H_{length−1}..H_0 (time-reversed impulse response), [length, d], for the final-state product.</summary>
    public Tensor ReversedImpulse(long length, ScalarType dtype, Device device, Trainable? trainable)
    {
        if (trainable is not null)
        {
            using var h = Impulse(length, dtype, device, trainable);
            return h.flip(0);
        }
        return Cached("reversed", length, dtype, device, () =>
        {
            using var h = Impulse(length, dtype, device, null);
            return h.flip(0);
        }).alias();
    }

    /// <summary>
    /// The operators of the chunked form for chunks of L steps: W [L, L·d] with W[k, j·d + i] = H_{j−k}[i] for j ≥ k
    /// (the within-chunk Toeplitz product), Q [d, L·d] = [(Ā^1)ᵀ | … | (Ā^L)ᵀ] (the carried state's effect) and Ā^L.
    /// </summary>
    public (Tensor W, Tensor Q, Tensor ALength) ChunkOperators(long l, ScalarType dtype, Device device, Trainable? trainable)
    {
        if (trainable is { } t)
        {
            var (aBar, bBar) = Differentiable(t, dtype, device);
            using (aBar) using (bBar) return MakeChunkOperators(aBar, bBar, l);
        }
        if (!_cache.ContainsKey(("chunk-w", l, dtype, device.ToString())))
        {
            using var a64 = FromArray(_system.ABar, ScalarType.Float64, device);
            using var b64 = tensor(_system.BBar, ScalarType.Float64, device);
            var (w, q, aL) = MakeChunkOperators(a64, b64, l);
            using (w) Cached("chunk-w", l, dtype, device, () => w.to(dtype));
            using (q) Cached("chunk-q", l, dtype, device, () => q.to(dtype));
            using (aL) Cached("chunk-al", l, dtype, device, () => aL.to(dtype));
        }
        return (_cache[("chunk-w", l, dtype, device.ToString())].alias(), _cache[("chunk-q", l, dtype, device.ToString())].alias(),
            _cache[("chunk-al", l, dtype, device.ToString())].alias());
    }

    static (Tensor W, Tensor Q, Tensor ALength) MakeChunkOperators(Tensor aBar, Tensor bBar, long l)
    {
        using var scope = NewDisposeScope();
        long d = aBar.shape[0];
        var h = ImpulseByDoubling(aBar, bBar, l);                               // [L, d]
        var powers = PowersByDoubling(aBar, l);                                 // [L, d, d] = Ā^1..Ā^L
        var j = arange(l, device: aBar.device);
        var lag = j.unsqueeze(0) - j.unsqueeze(1);                              // lag[k, j] = j − k
        var w = (h[lag.clamp_min(0)] * lag.ge(0).unsqueeze(-1).to(aBar.dtype)).view(l, l * d);
        var q = powers.permute(2, 0, 1).reshape(d, l * d);
        return (w.MoveToOuterDisposeScope(), q.MoveToOuterDisposeScope(), powers[-1].MoveToOuterDisposeScope());
    }

    /// <summary>The number of leading impulse-response steps whose norm reaches <paramref name="tolerance"/> times the largest.</summary>
    public static long SignificantLength(Tensor impulse, double tolerance)
    {
        using var scope = NewDisposeScope();
        var norms = impulse.detach().to(ScalarType.Float64).norm(1);
        var significant = norms.gt(norms.max() * tolerance).nonzero();
        return significant.shape[0] == 0 ? 1 : significant.max().item<long>() + 1;
    }

    /// <summary>H_{k+j} = Ā^k H_j: log₂(length) matrix products, differentiable.</summary>
    internal static Tensor ImpulseByDoubling(Tensor aBar, Tensor bBar, long length)
    {
        using var scope = NewDisposeScope();
        var h = bBar.unsqueeze(0);
        var power = aBar; // Ā^rows
        while (h.shape[0] < length)
        {
            h = cat([h, h.matmul(power.mT)], 0);
            power = power.matmul(power);
        }
        return h[..(int)length].MoveToOuterDisposeScope();
    }

    /// <summary>Ā^{k+j} = Ā^k Ā^j: log₂(count) batched matrix products, differentiable.</summary>
    internal static Tensor PowersByDoubling(Tensor aBar, long count)
    {
        using var scope = NewDisposeScope();
        var p = aBar.unsqueeze(0);
        while (p.shape[0] < count) p = cat([p, p.matmul(p[-1])], 0);
        return p[..(int)count].MoveToOuterDisposeScope();
    }

    /// <summary>Z_t = Ā^{t+1} m_0 for t = 0..length−1 (the zero-input response), m0 [N, C, d] → [N, C, length, d].</summary>
    internal static Tensor ZeroInputResponse(Tensor m0, Tensor aBar, long length)
    {
        using var scope = NewDisposeScope();
        var z = m0.matmul(aBar.mT).unsqueeze(2);
        var power = aBar;
        while (z.shape[2] < length)
        {
            z = cat([z, z.matmul(power.mT)], 2);
            power = power.matmul(power);
        }
        return z[.., .., ..(int)length].MoveToOuterDisposeScope();
    }

    (Tensor ABar, Tensor BBar) Differentiable(Trainable t, ScalarType dtype, Device device)
    {
        using var scope = NewDisposeScope();
        int d = _options.Order;
        var (a0, b0) = Continuous(d);
        var a = t.A ?? a0.to(dtype, device);
        var b = t.B ?? b0.to(dtype, device);
        var thetaInv = t.ThetaInv ?? tensor(1 / _options.Theta, dtype, device);
        var aTheta = a * thetaInv; // A/θ
        var bTheta = b * thetaInv; // B/θ
        var eye = torch.eye(d, dtype: dtype, device: device);
        Tensor aBar, bBar;
        switch (_options.Discretizer)
        {
            case Discretizer.Zoh: // expm([[A/θ, B/θ], [0, 0]]) = [[Ā, B̄], [0, 1]]
                var block = cat([cat([aTheta, bTheta.unsqueeze(1)], 1), zeros([1, d + 1], dtype, device)], 0);
                var e = linalg.matrix_exp(block);
                aBar = e[..d, ..d];
                bBar = e[..d, d];
                break;
            case Discretizer.Euler: // Ā = I + A/θ, B̄ = B/θ
                aBar = eye + aTheta;
                bBar = bTheta;
                break;
            default: // Ā = (I − A/2θ)⁻¹(I + A/2θ), B̄ = (I − A/2θ)⁻¹ B/θ
                var lhs = eye - aTheta * 0.5;
                aBar = linalg.solve(lhs, eye + aTheta * 0.5);
                bBar = linalg.solve(lhs, bTheta.unsqueeze(1)).squeeze(1);
                break;
        }
        return (aBar.MoveToOuterDisposeScope(), bBar.MoveToOuterDisposeScope());
    }

    double[,] FixedImpulse(long length)
    {
        // extend geometrically, so that slowly growing lengths cost O(T·d²) in all, not per call
        if (_impulse.GetLength(0) < length) _impulse = _system.ImpulseResponse(checked((int)Math.Max(length, 2L * _impulse.GetLength(0))));
        if (_impulse.GetLength(0) == length) return _impulse;
        var h = new double[length, _options.Order];
        Array.Copy(_impulse, h, h.Length);
        return h;
    }

    Tensor Cached(string what, long size, ScalarType dtype, Device device, Func<Tensor> make)
    {
        var key = (what, size, dtype, device.ToString());
        if (!_cache.TryGetValue(key, out var t))
        {
            if (_cache.Count >= 64) Clear(); // bounded: sequence lengths can vary without end
            using (no_grad()) t = make().DetachFromDisposeScope();
            _cache[key] = t;
        }
        return t;
    }

    static Tensor FromArray(double[,] a, ScalarType dtype, Device device)
    {
        var flat = MemoryMarshal.CreateReadOnlySpan(ref a[0, 0], a.Length).ToArray();
        using var t = tensor(flat, [a.GetLength(0), a.GetLength(1)], ScalarType.Float64);
        return t.to(dtype, device);
    }

    void Clear()
    {
        foreach (var t in _cache.Values) t.Dispose();
        _cache.Clear();
    }

    public void Dispose() => Clear();

    /// <summary>The learnt parts of the memory (null entries are fixed).</summary>
    internal readonly record struct Trainable(Tensor? ThetaInv, Tensor? A, Tensor? B);
}
