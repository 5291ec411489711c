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
    /// <summary>Rows per block of the 256-bit batched kernel.</summary>
    const int BlockRows = 6;

    /// <summary>Rows per block of the 512-bit batched kernel.</summary>
    const int Block512Rows = 8;

    /// <summary>Columns per panel.</summary>
    public const int PanelWidth = 16;

    /// <summary>
    /// Rows per register block on this machine (8 where 512-bit FMAs are native, else 6): callers that split rows
    /// between threads keep each share a multiple of it, so no share ends in a partially used block.
    /// </summary>
    public static int RowBlock => Vector512.IsHardwareAccelerated ? Block512Rows : BlockRows;

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
        if (Vector512.IsHardwareAccelerated) MultiplyRows512(a, lda, rows, k, b, n, c, ldc);
        else MultiplyRows256(a, lda, rows, k, b, n, c, ldc);
    }

    /// <summary>
    /// Where 512-bit FMAs are native: blocks of eight rows against three panels (48 columns), 24 accumulators of the 32
    /// vector registers, so each panel row loaded feeds eight FMAs and each broadcast three. Panel groups outermost: a
    /// group (k × 48 floats) comes from memory once per call, then from L2 for each block of rows. A last block of 2–7 rows repeats its last row in the unused slots (the
    /// FMAs are wasted, the stores skipped); a last single row runs alone.
    /// </summary>
    static void MultiplyRows512(float* a, int lda, int rows, int k, float* b, int n, float* c, int ldc)
    {
        int panels = n / PanelWidth;
        long panel = (long)k * PanelWidth;
        int blocked = BlockedRows(rows, Block512Rows);
        int p = 0;
        for (; p + 3 <= panels; p += 3) Rows8<Three>(a, lda, blocked, k, b + p * panel, panel, c + p * PanelWidth, ldc);
        if (panels - p == 2) Rows8<Two>(a, lda, blocked, k, b + p * panel, panel, c + p * PanelWidth, ldc);
        if (panels - p == 1) Rows8<One>(a, lda, blocked, k, b + p * panel, panel, c + p * PanelWidth, ldc);
        SingleRows(a, lda, blocked, rows, k, b, panels, panel, c, ldc);
    }

    /// <summary>Blocks of six rows against one panel (sixteen columns) in 256-bit registers: twelve accumulators of the sixteen
    /// registers AVX2 has. A last block of 2–5 rows repeats its last row; a last single row runs alone.</summary>
    static void MultiplyRows256(float* a, int lda, int rows, int k, float* b, int n, float* c, int ldc)
    {
        int panels = n / PanelWidth;
        long panel = (long)k * PanelWidth;
        int blocked = BlockedRows(rows, BlockRows);
        // Panel outermost: its k × 64 bytes stay in L1 while every block of rows uses them.
        for (int p = 0; p < panels; p++)
            for (int r = 0; r < blocked; r += BlockRows)
                Block6x16(a + r * lda, lda, Math.Min(BlockRows, blocked - r), k, b + p * panel, c + r * ldc + p * PanelWidth, ldc);
        SingleRows(a, lda, blocked, rows, k, b, panels, panel, c, ldc);
    }

    /// <summary>
    /// The rows to run in blocks: all of them, unless one would be left over after the whole blocks. Two or more left
    /// over cost less as one padded block (a block runs at several times the FMA rate of the single-row kernels).
    /// </summary>
    static int BlockedRows(int rows, int blockRows) => rows % blockRows == 1 ? rows - 1 : rows;

    /// <summary>Rows [first, rows) one at a time, against four panels at once, then single panels.</summary>
    static void SingleRows(float* a, int lda, int first, int rows, int k, float* b, int panels, long panel, float* c, int ldc)
    {
        for (int r = first; r < rows; r++)
        {
            int p = 0;
            for (; p + 4 <= panels; p += 4) Block1x64(a + r * lda, k, b + p * panel, panel, c + r * ldc + p * PanelWidth);
            for (; p < panels; p++) Block1x16(a + r * lda, k, b + p * panel, c + r * ldc + p * PanelWidth);
        }
    }

    /// <summary>Rows [0, rows) against <typeparamref name="TPanels"/> consecutive panels, eight rows at a time.</summary>
    static void Rows8<TPanels>(float* a, int lda, int rows, int k, float* b, long panel, float* c, int ldc) where TPanels : struct, IPanelCount
    {
        for (int r = 0; r < rows; r += Block512Rows)
            Block8<TPanels>(a + r * lda, lda, Math.Min(Block512Rows, rows - r), k, b, panel, c + r * ldc, ldc);
    }

    /// <summary>
    /// min(rows, 8) rows against one to three consecutive panels in 512-bit registers; rows past the last repeat it.
    /// The JIT compiles one copy per panel count, with the unused accumulators and loads removed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Block8<TPanels>(float* a, int lda, int rows, int k, float* b, long panel, float* c, int ldc) where TPanels : struct, IPanelCount
    {
        Vector512<float> c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        Vector512<float> c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        Vector512<float> c40 = default, c41 = default, c42 = default, c50 = default, c51 = default, c52 = default;
        Vector512<float> c60 = default, c61 = default, c62 = default, c70 = default, c71 = default, c72 = default;
        int last = rows - 1;
        float* a1 = a + Math.Min(1, last) * lda, a2 = a + Math.Min(2, last) * lda, a3 = a + Math.Min(3, last) * lda;
        float* a4 = a + Math.Min(4, last) * lda, a5 = a + Math.Min(5, last) * lda, a6 = a + Math.Min(6, last) * lda;
        float* a7 = a + Math.Min(7, last) * lda;
        float* b1 = b + panel, b2 = b1 + panel;
        Vector512<float> v1 = default, v2 = default;
        for (int j = 0; j < k; j++, b += PanelWidth, b1 += PanelWidth, b2 += PanelWidth)
        {
            var v0 = Vector512.Load(b);
            if (TPanels.Count > 1) v1 = Vector512.Load(b1);
            if (TPanels.Count > 2) v2 = Vector512.Load(b2);
            Fma<TPanels>(Vector512.Create(a[j]), v0, v1, v2, ref c00, ref c01, ref c02);
            Fma<TPanels>(Vector512.Create(a1[j]), v0, v1, v2, ref c10, ref c11, ref c12);
            Fma<TPanels>(Vector512.Create(a2[j]), v0, v1, v2, ref c20, ref c21, ref c22);
            Fma<TPanels>(Vector512.Create(a3[j]), v0, v1, v2, ref c30, ref c31, ref c32);
            Fma<TPanels>(Vector512.Create(a4[j]), v0, v1, v2, ref c40, ref c41, ref c42);
            Fma<TPanels>(Vector512.Create(a5[j]), v0, v1, v2, ref c50, ref c51, ref c52);
            Fma<TPanels>(Vector512.Create(a6[j]), v0, v1, v2, ref c60, ref c61, ref c62);
            Fma<TPanels>(Vector512.Create(a7[j]), v0, v1, v2, ref c70, ref c71, ref c72);
        }
        Store<TPanels>(c, c00, c01, c02);
        if (rows > 1) Store<TPanels>(c + ldc, c10, c11, c12);
        if (rows > 2) Store<TPanels>(c + 2 * ldc, c20, c21, c22);
        if (rows > 3) Store<TPanels>(c + 3 * ldc, c30, c31, c32);
        if (rows > 4) Store<TPanels>(c + 4 * ldc, c40, c41, c42);
        if (rows > 5) Store<TPanels>(c + 5 * ldc, c50, c51, c52);
        if (rows > 6) Store<TPanels>(c + 6 * ldc, c60, c61, c62);
        if (rows > 7) Store<TPanels>(c + 7 * ldc, c70, c71, c72);
    }

    /// <summary>cᵢ ← x·vᵢ + cᵢ for the first <typeparamref name="TPanels"/> panels: one step of one row's chains. The caller
    /// broadcasts x, so that the JIT folds the load into the broadcast (a separate shuffle would compete with the FMAs for a port).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Fma<TPanels>(Vector512<float> x, Vector512<float> v0, Vector512<float> v1, Vector512<float> v2,
        ref Vector512<float> c0, ref Vector512<float> c1, ref Vector512<float> c2) where TPanels : struct, IPanelCount
    {
        c0 = Vector512.FusedMultiplyAdd(x, v0, c0);
        if (TPanels.Count > 1) c1 = Vector512.FusedMultiplyAdd(x, v1, c1);
        if (TPanels.Count > 2) c2 = Vector512.FusedMultiplyAdd(x, v2, c2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store<TPanels>(float* c, Vector512<float> c0, Vector512<float> c1, Vector512<float> c2) where TPanels : struct, IPanelCount
    {
        c0.Store(c);
        if (TPanels.Count > 1) c1.Store(c + PanelWidth);
        if (TPanels.Count > 2) c2.Store(c + 2 * PanelWidth);
    }

    /// <summary>A number of panels known to the JIT, so each <see cref="Block8{TPanels}"/> compiles to straight-line code.</summary>
    interface IPanelCount { static abstract int Count { get; } }
    struct One : IPanelCount { public static int Count => 1; }
    struct Two : IPanelCount { public static int Count => 2; }
    struct Three : IPanelCount { public static int Count => 3; }

    /// <summary>min(rows, 6) rows against one panel in 256-bit registers; rows past the last repeat it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Block6x16(float* a, int lda, int rows, int k, float* b, float* c, int ldc)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int last = rows - 1;
        float* a1 = a + Math.Min(1, last) * lda, a2 = a + Math.Min(2, last) * lda, a3 = a + Math.Min(3, last) * lda;
        float* a4 = a + Math.Min(4, last) * lda, a5 = a + Math.Min(5, last) * lda;
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
        c00.Store(c); c01.Store(c + 8);
        if (rows > 1) { c10.Store(c + ldc); c11.Store(c + ldc + 8); }
        if (rows > 2) { c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 8); }
        if (rows > 3) { c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 8); }
        if (rows > 4) { c40.Store(c + 4 * ldc); c41.Store(c + 4 * ldc + 8); }
        if (rows > 5) { c50.Store(c + 5 * ldc); c51.Store(c + 5 * ldc + 8); }
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
