namespace LmuSharp.Torch;

/// <summary>
/// How <see cref="Lmu"/> computes a sequence (docs/MATH.md §3). Every mode gives the plain recurrence's result up to
/// rounding; they differ in speed and in what they can compute.
/// </summary>
public enum LmuMode
{
    /// <summary>
    /// The fastest exact mode for the options: <see cref="Sequential"/> when something feeds back into the memory,
    /// <see cref="Final"/> when only the last output of a feed-forward hidden cell is returned, else <see cref="Fft"/>.
    /// </summary>
    Auto,
    /// <summary>The cell stepped through time: m_t = Ā m_{t−1} + B̄ u_t, one step after the other. Runs every option.</summary>
    Sequential,
    /// <summary>The memory by FFT convolution M = H * u, zero-padded to 2T: O(T log T · order) per channel.</summary>
    Fft,
    /// <summary>
    /// The memory by the full impulse-response product: an explicit causal (Toeplitz) convolution with H, truncated
    /// where ‖H_k‖ falls below <see cref="LmuComputation.RawTolerance"/> of its largest value.
    /// </summary>
    Raw,
    /// <summary>
    /// The last memory state only, m_T = Σ_k H_{T−1−k} u_k: one [T × order] matrix product per sample. Needs
    /// return_sequences false and a None or Linear hidden cell (nothing reads the earlier states).
    /// </summary>
    Final,
    /// <summary>
    /// Chunks of <see cref="LmuComputation.ChunkLength"/> steps: a Toeplitz product inside each chunk, the state carried
    /// across chunks with Ā^1..Ā^L. Matrix products only.
    /// </summary>
    Chunked,
}
