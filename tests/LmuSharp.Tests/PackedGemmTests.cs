using System.Runtime.Intrinsics;
using LmuSharp.Kernels;

namespace LmuSharp.Tests;

/// <summary>The packed matrix product equals the plain fused-multiply-add chain over j in order, exactly, for every block shape.</summary>
public class PackedGemmTests
{
    // Shapes cover both paths: 256-bit (blocks of 6 rows × 1 panel) and 512-bit (blocks of 8 rows × 3, 2 or 1 panels); in
    // both a last partial block of two or more rows repeats its last row, a last single row runs alone.
    [Theory]
    [InlineData(1, 7, 10)]    // one row: the single-row kernels
    [InlineData(6, 33, 16)]   // one 6-row block / a partial 8-row block; one panel
    [InlineData(13, 20, 40)]  // 6 + 6 + 1 single / 8 + 5 rows; three panels
    [InlineData(12, 64, 128)] // 6 + 6 / 8 + 4 rows; 3 + 3 + 2 panels
    [InlineData(7, 5, 70)]    // 6 + 1 single / 7 rows; 3 + 2 panels
    [InlineData(17, 9, 20)]   // 6 + 6 + 5 / 8 + 8 + 1 single; 2 panels
    [InlineData(16, 11, 100)] // 6 + 6 + 4 / 8 + 8 rows; 3 + 3 + 1 panels
    public unsafe void Every_element_is_the_in_order_FMA_chain_bit_for_bit(int rows, int k, int n)
    {
        var random = new Random(rows * 1000 + k + n);
        var a = Enumerable.Range(0, rows * k).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();
        var w = Enumerable.Range(0, n * k).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray(); // n × k, y = W x
        int padded = PackedGemm.Padded(n);
        var c = new float[rows * padded];
        fixed (float* pa = a, pb = PackedGemm.Pack(w, n, k), pc = c)
            PackedGemm.MultiplyRows(pa, k, rows, k, pb, padded, pc, padded);
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < padded; o++)
            {
                float expected = 0;
                if (o < n) for (int j = 0; j < k; j++) expected = MathF.FusedMultiplyAdd(a[r * k + j], w[o * k + j], expected);
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(c[r * padded + o]),
                    $"row {r}, column {o}: {c[r * padded + o]:R}, expected {expected:R} (512-bit {Vector512.IsHardwareAccelerated})");
            }
    }
}
