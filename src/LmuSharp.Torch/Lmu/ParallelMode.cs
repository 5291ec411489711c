namespace LmuSharp.Torch;

/// <summary>How <see cref="LmuParallel"/> computes the memory M_{1:T} = H * u (docs/MATH.md §3); all modes agree up to rounding.</summary>
public enum ParallelMode
{
    /// <summary>Pick by shape: <see cref="Final"/> without return_sequences, otherwise the fastest measured for the length.</summary>
    Auto,
    /// <summary>FFT convolution, zero-padded to 2T: O(T log T · order) per channel.</summary>
    Fft,
    /// <summary>Explicit causal (Toeplitz) convolution with H truncated where its tail falls below a tolerance.</summary>
    Raw,
    /// <summary>Last state only: m_T = Σ_k H_{T−1−k} u_k, one matrix product per sample. Only without return_sequences.</summary>
    Final,
    /// <summary>Chunks of L steps: Toeplitz product inside a chunk, state carried across chunks with Ā^1..Ā^L. Exact.</summary>
    Chunked,
}
