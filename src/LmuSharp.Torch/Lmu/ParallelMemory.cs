using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch;

/// <summary>
/// The memory of a feed-forward LMU for a whole sequence at once (Chilkuri &amp; Eliasmith 2021; docs/MATH.md §3):
/// M_t = Σ_{k=0}^{t} H_k u_{t−k} per channel, with u [N, T, C] and H [·, d]. Each method returns
/// M [N, T, C, d] (or [N, C, d] for the final state) and uses only whole-sequence tensor ops (no per-step dispatch).
/// </summary>
internal static class ParallelMemory
{
    /// <summary>m_{T−1} = Σ_k H_{T−1−k} u_k: one product of [N·C, T] with the reversed impulse response [T, d].</summary>
    public static Tensor Final(Tensor u, Tensor reversedImpulse)
    {
        long n = u.shape[0], t = u.shape[1], c = u.shape[2];
        using var rows = u.transpose(1, 2).reshape(n * c, t); // a plain 2-D GEMM: the fastest BLAS path
        return rows.matmul(reversedImpulse).view(n, c, -1);
    }

    /// <summary>
    /// FFT convolution: u and H zero-padded to n ≥ 2T points (nothing wraps around), spectra multiplied, the first T
    /// steps kept. <paramref name="impulseSpectrum"/> is rfft(H_0..H_{T−1}, n), [d, n/2 + 1].
    /// </summary>
    public static Tensor Fft(Tensor u, Tensor impulseSpectrum, long n)
    {
        using var scope = NewDisposeScope();
        long t = u.shape[1];
        var uf = fft.rfft(u.transpose(1, 2), n, -1);                 // [N, C, F]
        var m = fft.irfft(uf.unsqueeze(2) * impulseSpectrum, n, -1);  // [N, C, d, n]
        return m[.., .., .., ..(int)t].permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }

    /// <summary>The smallest 2^a·3^b·5^c ≥ <paramref name="minimum"/>: a length the FFT handles at full speed.</summary>
    public static long FastLength(long minimum)
    {
        long best = long.MaxValue;
        for (long p2 = 1; p2 < 2 * minimum; p2 *= 2)
            for (long p3 = p2; p3 < 2 * minimum; p3 *= 3)
                for (long p5 = p3; p5 < 2 * minimum; p5 *= 5)
                    if (p5 >= minimum && p5 < best) best = p5;
        return best;
    }

    /// <summary>Causal (Toeplitz) convolution with the truncated impulse response [L, d]: one conv1d over all channels.</summary>
    public static Tensor Raw(Tensor u, Tensor truncatedImpulse)
    {
        using var scope = NewDisposeScope();
        long n = u.shape[0], t = u.shape[1], c = u.shape[2], l = truncatedImpulse.shape[0], d = truncatedImpulse.shape[1];
        var signal = nn.functional.pad(u.transpose(1, 2).reshape(n * c, 1, t), [l - 1, 0]);
        var kernel = truncatedImpulse.flip(0).mT.unsqueeze(1);          // [d, 1, L], cross-correlation → convolution
        var m = nn.functional.conv1d(signal, kernel);                    // [N·C, d, T]
        return m.view(n, c, d, t).permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Chunks of L steps. Inside chunk c the local memory is a Toeplitz product with H_0..H_{L−1}; the state s_c at the
    /// chunk's end follows s_c = Ā^L s_{c−1} + local_{c,L−1}; position j of chunk c adds Ā^{j+1} s_{c−1}.
    /// Exact; matrix products only; one small product per chunk for the carry.
    /// </summary>
    /// <param name="u">[N, T, C].</param>
    /// <param name="w">The within-chunk Toeplitz operator [L, L·d].</param>
    /// <param name="q">[(Ā^1)ᵀ | … | (Ā^L)ᵀ], [d, L·d].</param>
    /// <param name="aLength">Ā^L, [d, d].</param>
    /// <param name="m0">The initial memory [N, C, d], or null for zeros.</param>
    public static Tensor Chunked(Tensor u, Tensor w, Tensor q, Tensor aLength, Tensor? m0)
    {
        using var scope = NewDisposeScope();
        long n = u.shape[0], t = u.shape[1], c = u.shape[2], l = w.shape[0], d = q.shape[0];
        long chunks = (t + l - 1) / l;
        var uc = nn.functional.pad(u.transpose(1, 2), [0, chunks * l - t]).view(n, c, chunks, l);
        var local = uc.matmul(w).view(n, c, chunks, l, d);
        var previous = new List<Tensor>((int)chunks);                        // s_{c−1} for each chunk
        var s = m0 ?? zeros([n, c, d], u.dtype, u.device);
        for (long k = 0; k < chunks; k++)
        {
            previous.Add(s);
            s = s.matmul(aLength.mT) + local[.., .., k, -1];
        }
        var carried = stack(previous, 2).matmul(q).view(n, c, chunks, l, d);
        var m = local.add_(carried).view(n, c, chunks * l, d);
        return m[.., .., ..(int)t].permute(0, 2, 1, 3).MoveToOuterDisposeScope();
    }
}
