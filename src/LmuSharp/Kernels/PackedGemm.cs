using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LmuSharp.Kernels;

/// <summary>
/// The matrix product both sides run step by step: the streaming runtime's hot loop and the step of LmuSharp.Torch's
/// fused RNN recurrence kernel. C = A·B over rows of A, with B packed in panels of 16 columns
/// (panel p holds B[j, 16p .. 16p+15] for j = 0..k−1, contiguously, zero-padded past the last column),
/// so every kernel streams B sequentially. Hand-written because TensorPrimitives has no matrix product.
/// Every output element is a single fused-multiply-add chain over j = 0..k−1 in order, whatever the vector width and the
/// block shape, so a row gives bit-identical results alone or inside a batch.
/// </summary>
public static unsafe class PackedGemm
{
    /// <summary>Rows per block of the batched kernel.</summary>
    const int BlockRows = 6;

    /// <summary>Columns per panel.</summary>
    public const int PanelWidth = 16;

    /// <summary>C[r, 0..n) = Σ_{j&lt;k} A[r, j] · B[j, 0..n) for r &lt; rows; B packed by <see cref="Pack"/>, n a multiple of 16.</summary>
    /// <param name="a">Row-major A, row r at a + r·lda; k floats are read per row.</param>
    /// <param name="lda">The stride between rows of A, in floats.</param>
    /// <param name="rows">The number of rows of A and C.</param>
    /// <param name="k">The inner dimension.</param>
    /// <param name="b">B packed by <see cref="Pack"/>: n/16 panels of k × 16 floats.</param>
    /// <param name="n">The number of columns of C, a multiple of <see cref="PanelWidth"/> (<see cref="Padded"/>).</param>
    /// <param name="c">Row-major C, row r at c + r·ldc; overwritten.</param>
    /// <param name="ldc">The stride between rows of C, in floats.</param>
    public static void MultiplyRows(float* a, int lda, int rows, int k, float* b, int n, float* c, int ldc)
    {
        int panels = n / PanelWidth;
        long panel = (long)k * PanelWidth;
        int blocked = rows - rows % BlockRows;
        // Panel outermost: its k × 64 bytes stay in L1 while every block of rows uses them. Where 512-bit FMAs are
        // native, two panels at a time in 512-bit registers (twice the flops per instruction, same sums).
        int p0 = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; p0 + 2 <= panels; p0 += 2)
                for (int r = 0; r < blocked; r += BlockRows)
                    Block6x32(a + r * lda, lda, k, b + p0 * panel, panel, c + r * ldc + p0 * PanelWidth, ldc);
        for (int p = p0; p < panels; p++)
            for (int r = 0; r < blocked; r += BlockRows)
                Block6x16(a + r * lda, lda, k, b + p * panel, c + r * ldc + p * PanelWidth, ldc);
        for (int r = blocked; r < rows; r++)
        {
            int p = 0;
            for (; p + 4 <= panels; p += 4) Block1x64(a + r * lda, k, b + p * panel, panel, c + r * ldc + p * PanelWidth);
            for (; p < panels; p++) Block1x16(a + r * lda, k, b + p * panel, c + r * ldc + p * PanelWidth);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Block6x16(float* a, int lda, int k, float* b, float* c, int ldc)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        float* a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        for (int j = 0; j < k; j++, b += PanelWidth)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a[j]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a1[j]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a2[j]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a3[j]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a4[j]);
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a5[j]);
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
        }
        c00.Store(c); c01.Store(c + 8); c += ldc;
        c10.Store(c); c11.Store(c + 8); c += ldc;
        c20.Store(c); c21.Store(c + 8); c += ldc;
        c30.Store(c); c31.Store(c + 8); c += ldc;
        c40.Store(c); c41.Store(c + 8); c += ldc;
        c50.Store(c); c51.Store(c + 8);
    }

    /// <summary>Six rows against two consecutive panels (32 columns) in 512-bit registers: twelve independent FMA chains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Block6x32(float* a, int lda, int k, float* b, long panel, float* c, int ldc)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        float* a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        float* b1 = b + panel;
        for (int j = 0; j < k; j++, b += PanelWidth, b1 += PanelWidth)
        {
            var b0 = Vector512.Load(b);
            var b2 = Vector512.Load(b1);
            var x = Vector512.Create(a[j]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b2, c01);
            x = Vector512.Create(a1[j]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b2, c11);
            x = Vector512.Create(a2[j]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b2, c21);
            x = Vector512.Create(a3[j]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b2, c31);
            x = Vector512.Create(a4[j]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b2, c41);
            x = Vector512.Create(a5[j]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b2, c51);
        }
        c00.Store(c); c01.Store(c + PanelWidth); c += ldc;
        c10.Store(c); c11.Store(c + PanelWidth); c += ldc;
        c20.Store(c); c21.Store(c + PanelWidth); c += ldc;
        c30.Store(c); c31.Store(c + PanelWidth); c += ldc;
        c40.Store(c); c41.Store(c + PanelWidth); c += ldc;
        c50.Store(c); c51.Store(c + PanelWidth);
    }

    /// <summary>One row against four consecutive panels (64 columns): eight independent FMA chains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Block1x64(float* a, int k, float* b, long panel, float* c)
    {
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        float* b1 = b + panel, b2 = b1 + panel, b3 = b2 + panel;
        for (int j = 0; j < k; j++, b += PanelWidth, b1 += PanelWidth, b2 += PanelWidth, b3 += PanelWidth)
        {
            var x = Vector256.Create(a[j]);
            c0 = Vector256.FusedMultiplyAdd(x, Vector256.Load(b), c0);
            c1 = Vector256.FusedMultiplyAdd(x, Vector256.Load(b + 8), c1);
            c2 = Vector256.FusedMultiplyAdd(x, Vector256.Load(b1), c2);
            c3 = Vector256.FusedMultiplyAdd(x, Vector256.Load(b1 + 8), c3);
            c4 = Vector256.FusedMultiplyAdd(x, Vector256.Load(b2), c4);
            c5 = Vector256.FusedMultiplyAdd(x, Vector256.Load(b2 + 8), c5);
            c6 = Vector256.FusedMultiplyAdd(x, Vector256.Load(b3), c6);
            c7 = Vector256.FusedMultiplyAdd(x, Vector256.Load(b3 + 8), c7);
        }
        c0.Store(c); c1.Store(c + 8); c2.Store(c + 16); c3.Store(c + 24);
        c4.Store(c + 32); c5.Store(c + 40); c6.Store(c + 48); c7.Store(c + 56);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Block1x16(float* a, int k, float* b, float* c)
    {
        Vector256<float> c0 = default, c1 = default;
        for (int j = 0; j < k; j++, b += PanelWidth)
        {
            var x = Vector256.Create(a[j]);
            c0 = Vector256.FusedMultiplyAdd(x, Vector256.Load(b), c0);
            c1 = Vector256.FusedMultiplyAdd(x, Vector256.Load(b + 8), c1);
        }
        c0.Store(c); c1.Store(c + 8);
    }

    /// <summary>n rounded up to a whole number of panels.</summary>
    /// <param name="n">A number of columns.</param>
    public static int Padded(int n) => (n + PanelWidth - 1) / PanelWidth * PanelWidth;

    /// <summary>
    /// Packs Wᵀ of a row-major out × in matrix W (so C = X Wᵀ computes y = W x per row) into panels:
    /// packed[p·in·16 + j·16 + q] = W[16p + q, j], zero where 16p + q ≥ out.
    /// </summary>
    /// <param name="weight">W, row-major, outputs × inputs.</param>
    /// <param name="outputs">The rows of W (the columns of C).</param>
    /// <param name="inputs">The columns of W (the inner dimension k).</param>
    public static float[] Pack(ReadOnlySpan<float> weight, int outputs, int inputs)
    {
        var packed = new float[inputs * Padded(outputs)];
        for (int o = 0; o < outputs; o++)
        {
            int p = o / PanelWidth, q = o % PanelWidth;
            for (int j = 0; j < inputs; j++) packed[(p * inputs + j) * PanelWidth + q] = weight[o * inputs + j];
        }
        return packed;
    }
}
