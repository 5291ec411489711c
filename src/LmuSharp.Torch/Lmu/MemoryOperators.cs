using static TorchSharp.torch;

namespace LmuSharp.Torch;

/// <summary>
/// The operators of a cell's Legendre memory for one dtype and device: Ā, B̄, the impulse response H_k = Āᵏ B̄ in the
/// forms the parallel modes use, and the zero-input response Āᵗ⁺¹ m_0. Differentiable in θ⁻¹, A, B when the cell
/// trains them; otherwise cached by the cell.
/// </summary>
internal readonly record struct MemoryOperators(LegendreTensors Legendre, ScalarType DType, Device Device, LegendreTensors.Trainable? Learnt)
{
    /// <summary>(Ā [d, d], B̄ [d]).</summary>
    public (Tensor ABar, Tensor BBar) Matrices() => Legendre.Matrices(DType, Device, Learnt);

    /// <summary>H_0..H_{T−1}, [T, d].</summary>
    public Tensor Impulse(long time) => Legendre.Impulse(time, DType, Device, Learnt);

    /// <summary>H_{T−1}..H_0, [T, d], for the final-state product.</summary>
    public Tensor ReversedImpulse(long time) => Legendre.ReversedImpulse(time, DType, Device, Learnt);

    /// <summary>rfft of H_0..H_{T−1} zero-padded to <paramref name="n"/> points, [d, n/2 + 1].</summary>
    public Tensor ImpulseSpectrum(long time, long n) => Legendre.ImpulseSpectrum(time, n, DType, Device, Learnt);

    /// <summary>The chunked form's operators for chunks of <paramref name="length"/> steps (see <see cref="LegendreTensors.ChunkOperators"/>).</summary>
    public (Tensor W, Tensor Q, Tensor ALength) Chunk(long length) => Legendre.ChunkOperators(length, DType, Device, Learnt);

    /// <summary>Āᵗ⁺¹ m_0 for t &lt; <paramref name="time"/>, [N, T, C, d]: the initial memory's part of every state.</summary>
    public Tensor ZeroInputResponse(Tensor m0, long time) => LegendreTensors.ZeroInputResponse(m0, Matrices().ABar, time).transpose(1, 2);

    /// <summary>Āᵀ m_0 [N, C, d]: the initial memory's part of the state after <paramref name="time"/> steps.</summary>
    public Tensor ZeroInputResponseAt(Tensor m0, long time) => m0.matmul(Matrices().ABar.matrix_power((int)time).mT);
}
