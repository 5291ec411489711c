using System.Numerics.Tensors;

namespace LmuSharp.Runtime;

/// <summary>
/// The Legendre memory update for many rows (streams × channels) at once: m ← Ā m + B̄ u, i.e.
/// M_t = M_{t−1} Āᵀ + u_t B̄ᵀ with one row of M per channel. Ā, B̄ are the discretised float32 values from the file.
/// </summary>
internal sealed class MemoryStep(float[] aBar, float[] bBar, int order)
{
    readonly Linear _transition = new(aBar, null, order, order); // m ↦ Ā m

    public int Order => order;

    /// <summary>Scratch floats per row that <see cref="Step"/> needs.</summary>
    public int ScratchSize => _transition.ScratchSize;

    /// <summary>m[r] ← Ā m[r] + u[r] B̄ for r &lt; rows; scratch holds rows × <see cref="ScratchSize"/> floats.</summary>
    public void Step(Span<float> m, ReadOnlySpan<float> u, int rows, Span<float> scratch)
    {
        _transition.Multiply(m, rows, scratch); // the product is complete in scratch before m is overwritten
        for (int r = 0; r < rows; r++)
            TensorPrimitives.MultiplyAdd(bBar, u[r], scratch.Slice(r * ScratchSize, order), m.Slice(r * order, order));
    }
}
