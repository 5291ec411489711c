using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using LmuSharp.Kernels;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// The C# kernel of the nonlinear recurrence h_t = φ(a_t + W h_{t−1}) (φ = tanh or ReLU) over float32 CPU
/// memory, forward and backward over the whole sequence in one call, so no time step goes through TorchSharp op
/// dispatch or autograd. Each step is one [rows, H] × [H, H] product by the runtime's packed-panel kernel
/// (<see cref="Kernels"/>). Rows (sequences) are independent, so the batch is split into one block of rows per
/// core and every block runs all T steps without synchronisation. Layouts: a, h, ∂h, ∂a are [N, T, H]
/// contiguous; h0 and ∂h0 are [N, H] or null (zeros).
/// </summary>
internal static unsafe class RnnRecurrenceKernel
{
    /// <summary>Below this many multiply-adds in a call the batch is not split across cores.</summary>
    const long ParallelAbove = 1 << 20;

    /// <summary>h_t = φ(a_t + W h_{t−1}), t = 0..T−1, h_{−1} = h0; <paramref name="wT"/> is Wᵀ packed by <see cref="PackedGemm.Pack"/> of W.</summary>
    public static void Forward(float* a, float* wT, float* h0, float* h, int n, int time, int hidden, bool relu) =>
        ForRowBlocks(n, time, hidden, (r0, rows) =>
        {
            int padded = PackedGemm.Padded(hidden);
            long rowStride = (long)time * hidden;
            var z = (float*)NativeMemory.AlignedAlloc((nuint)rows * (nuint)padded * sizeof(float), 64);
            try
            {
                for (int t = 0; t < time; t++)
                {
                    // z = h_{t−1} Wᵀ (zero at t = 0 without h0)
                    if (t > 0) PackedGemm.MultiplyRows(h + r0 * rowStride + (t - 1) * hidden, (int)rowStride, rows, hidden, wT, padded, z, padded);
                    else if (h0 is not null) PackedGemm.MultiplyRows(h0 + r0 * hidden, hidden, rows, hidden, wT, padded, z, padded);
                    else new Span<float>(z, rows * padded).Clear();
                    for (int r = 0; r < rows; r++)
                    {
                        long at = (r0 + r) * rowStride + (long)t * hidden;
                        Activate(z + r * padded, a + at, h + at, hidden, relu);
                    }
                }
            }
            finally { NativeMemory.AlignedFree(z); }
        });

    /// <summary>
    /// Reverse recurrence: g_t = ∂h_t + ∂a_{t+1} W (the gradient reaching h_t), ∂a_t = g_t ⊙ φ'(h_t), and
    /// ∂h0 = ∂a_0 W when h0 is given. <paramref name="w"/> is W packed by <see cref="PackedGemm.Pack"/> of Wᵀ.
    /// ∂W = Σ_t ∂a_tᵀ h_{t−1} is left to the caller (one matrix product over all steps).
    /// </summary>
    public static void Backward(float* gradH, float* h, float* w, float* gradA, float* gradH0, int n, int time, int hidden, bool relu) =>
        ForRowBlocks(n, time, hidden, (r0, rows) =>
        {
            int padded = PackedGemm.Padded(hidden);
            long rowStride = (long)time * hidden;
            var carry = (float*)NativeMemory.AlignedAlloc((nuint)rows * (nuint)padded * sizeof(float), 64);
            try
            {
                new Span<float>(carry, rows * padded).Clear();
                for (int t = time - 1; t >= 0; t--)
                {
                    for (int r = 0; r < rows; r++)
                    {
                        long at = (r0 + r) * rowStride + (long)t * hidden;
                        Derivative(gradH + at, carry + r * padded, h + at, gradA + at, hidden, relu);
                    }
                    float* gradAt = gradA + r0 * rowStride + (long)t * hidden;
                    if (t == 0 && gradH0 is null) break;
                    PackedGemm.MultiplyRows(gradAt, (int)rowStride, rows, hidden, w, padded, carry, padded); // whole panels: padded rows
                }
                for (int r = 0; gradH0 is not null && r < rows; r++)
                    new Span<float>(carry + r * padded, hidden).CopyTo(new Span<float>(gradH0 + (r0 + r) * (long)hidden, hidden));
            }
            finally { NativeMemory.AlignedFree(carry); }
        });

    /// <summary>h = φ(z + a) over one row.</summary>
    static void Activate(float* z, float* a, float* h, int hidden, bool relu)
    {
        int i = 0;
        for (; i + 8 <= hidden; i += 8)
        {
            var s = Vector256.Load(z + i) + Vector256.Load(a + i);
            (relu ? Vector256.Max(s, Vector256<float>.Zero) : Tanh(s)).Store(h + i);
        }
        for (; i < hidden; i++)
        {
            float s = z[i] + a[i];
            h[i] = relu ? MathF.Max(s, 0) : MathF.Tanh(s);
        }
    }

    /// <summary>∂a = (∂h + carry) ⊙ φ'(h), with tanh' = 1 − h² and ReLU' = [h &gt; 0] read from the output h.</summary>
    static void Derivative(float* gradH, float* carry, float* h, float* gradA, int hidden, bool relu)
    {
        int i = 0;
        for (; i + 8 <= hidden; i += 8)
        {
            var g = Vector256.Load(gradH + i) + Vector256.Load(carry + i);
            var y = Vector256.Load(h + i);
            var d = relu ? g & Vector256.GreaterThan(y, Vector256<float>.Zero) : g - g * y * y;
            d.Store(gradA + i);
        }
        for (; i < hidden; i++)
        {
            float g = gradH[i] + carry[i], y = h[i];
            gradA[i] = relu ? (y > 0 ? g : 0) : g - g * y * y;
        }
    }

    /// <summary>tanh s = 1 − 2 / (e^{2s} + 1), exact to float rounding and saturating cleanly for large |s|.</summary>
    static Vector256<float> Tanh(Vector256<float> s)
    {
        var e = Vector256.Exp(s + s);
        return Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One);
    }

    /// <summary>body(firstRow, rows) over contiguous blocks of rows, one per core when the call is large enough.</summary>
    static void ForRowBlocks(int n, int time, int hidden, Action<int, int> body)
    {
        long work = (long)n * time * hidden * hidden;
        int group = PackedGemm.RowBlock, groups = (n + group - 1) / group;
        int blocks = work < ParallelAbove ? 1 : Math.Min(Environment.ProcessorCount, groups);
        if (blocks <= 1) { body(0, n); return; }
        // blocks of whole row groups (the product's register block), the remainder spread over the first ones
        Parallel.For(0, blocks, b =>
        {
            int first = (int)((long)groups * b / blocks) * group, last = Math.Min(n, (int)((long)groups * (b + 1) / blocks) * group);
            if (last > first) body(first, last - first);
        });
    }
}
