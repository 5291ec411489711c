using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LmuSharp.Bench;

/// <summary>
/// One core's FMA peak, to quote kernels against in the same run: 12 independent vector FMA chains
/// (enough to hide the FMA latency), no memory traffic. 256-bit: Zen 4 issues two per cycle;
/// 512-bit: one per cycle on Zen 4, two on server Intel parts.
/// </summary>
static class FmaPeak
{
    /// <summary>Loop trips of one call.</summary>
    public const int Iterations = 1 << 20;

    /// <summary>Flops of one call with 256-bit float vectors.</summary>
    public const double Flops256 = 12.0 * 8 * 2 * Iterations;

    /// <summary>Flops of one call with 512-bit float vectors.</summary>
    public const double Flops512 = 12.0 * 16 * 2 * Iterations;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Run256()
    {
        var a = Vector256.Create(0.999f);
        var b = Vector256.Create(1e-3f);
        Vector256<float> c0 = default, c1 = c0 + b, c2 = c1 + b, c3 = c2 + b, c4 = c3 + b, c5 = c4 + b;
        Vector256<float> c6 = c5 + b, c7 = c6 + b, c8 = c7 + b, c9 = c8 + b, c10 = c9 + b, c11 = c10 + b;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, a, b); c1 = Vector256.FusedMultiplyAdd(c1, a, b);
            c2 = Vector256.FusedMultiplyAdd(c2, a, b); c3 = Vector256.FusedMultiplyAdd(c3, a, b);
            c4 = Vector256.FusedMultiplyAdd(c4, a, b); c5 = Vector256.FusedMultiplyAdd(c5, a, b);
            c6 = Vector256.FusedMultiplyAdd(c6, a, b); c7 = Vector256.FusedMultiplyAdd(c7, a, b);
            c8 = Vector256.FusedMultiplyAdd(c8, a, b); c9 = Vector256.FusedMultiplyAdd(c9, a, b);
            c10 = Vector256.FusedMultiplyAdd(c10, a, b); c11 = Vector256.FusedMultiplyAdd(c11, a, b);
        }
        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Run512()
    {
        var a = Vector512.Create(0.999f);
        var b = Vector512.Create(1e-3f);
        Vector512<float> c0 = default, c1 = c0 + b, c2 = c1 + b, c3 = c2 + b, c4 = c3 + b, c5 = c4 + b;
        Vector512<float> c6 = c5 + b, c7 = c6 + b, c8 = c7 + b, c9 = c8 + b, c10 = c9 + b, c11 = c10 + b;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, a, b); c1 = Vector512.FusedMultiplyAdd(c1, a, b);
            c2 = Vector512.FusedMultiplyAdd(c2, a, b); c3 = Vector512.FusedMultiplyAdd(c3, a, b);
            c4 = Vector512.FusedMultiplyAdd(c4, a, b); c5 = Vector512.FusedMultiplyAdd(c5, a, b);
            c6 = Vector512.FusedMultiplyAdd(c6, a, b); c7 = Vector512.FusedMultiplyAdd(c7, a, b);
            c8 = Vector512.FusedMultiplyAdd(c8, a, b); c9 = Vector512.FusedMultiplyAdd(c9, a, b);
            c10 = Vector512.FusedMultiplyAdd(c10, a, b); c11 = Vector512.FusedMultiplyAdd(c11, a, b);
        }
        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
