using System.Numerics.Tensors;
using LmuSharp.Kernels;

namespace LmuSharp.Runtime;

/// <summary>
/// The Legendre memory update for many rows (streams × channels) at once: m ← Ā m + B̄ u, i.e.
/// M_t = M_{t−1} Āᵀ + u_t B̄ᵀ with one row of M per channel. Ā, B̄ are the discretised float32 values from the file.
/// </summary>
internal sealed class MemoryStep
{
    readonly float[] _aBarT; // Āᵀ packed in 16-column panels (PackedGemm.Pack)
    readonly float[] _bBar;

    public MemoryStep(float[] aBar, float[] bBar, int order)
    {
        Order = order;
        Padded = PackedGemm.Padded(order);
        _aBarT = PackedGemm.Pack(aBar, order, order);
        _bBar = bBar;
    }

    public int Order { get; }
    public int Padded { get; }

    /// <summary>m[r] ← Ā m[r] + u[r] B̄ for r &lt; rows; scratch holds rows × Padded floats.</summary>
    public unsafe void Step(Span<float> m, ReadOnlySpan<float> u, int rows, Span<float> scratch)
    {
        fixed (float* pm = m, pa = _aBarT, ps = scratch)
        {
            PackedGemm.MultiplyRows(pm, Order, rows, Order, pa, Padded, ps, Padded);
        }
        for (int r = 0; r < rows; r++)
            TensorPrimitives.MultiplyAdd(_bBar, u[r], scratch.Slice(r * Padded, Order), m.Slice(r * Order, Order));
    }
}
