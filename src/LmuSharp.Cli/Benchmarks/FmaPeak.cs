using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LmuSharp.Cli.Benchmarks;

/// <summary>
/// One core's float32 FMA peak, measured: 12 independent chains of vector fused multiply-adds (enough to hide
/// the FMA latency), no memory traffic, 256-bit and (where accelerated) 512-bit; the faster is the peak.
/// `lmu bench` and the BenchmarkDotNet project both call this kernel, so both quote the same peak.
/// </summary>
public static class FmaPeak
{
    /// <summary>Independent FMA chains per kernel.</summary>
    public const int Chains = 12;

    /// <summary>The best GFLOP/s (an FMA counts 2) over <paramref name="runs"/> runs of <paramref name="iterations"/> iterations.</summary>
    public static double Gflops(int iterations, int runs)
    {
        double best = 0;
        for (int r = 0; r < runs; r++)
        {
            best = Math.Max(best, Rate(() => Peak256(iterations), 2.0 * Chains * Vector256<float>.Count * iterations));
            if (Vector512.IsHardwareAccelerated)
                best = Math.Max(best, Rate(() => Peak512(iterations), 2.0 * Chains * Vector512<float>.Count * iterations));
        }
        return best;
    }

    static double Rate(Func<float> kernel, double flops)
    {
        long start = Stopwatch.GetTimestamp();
        float sink = kernel();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        GC.KeepAlive(sink);
        return flops / seconds / 1e9;
    }

    /// <summary>The 256-bit kernel: <paramref name="n"/> iterations of 12 vector FMAs (2 · 12 · 8 flops each).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Peak256(int n)
    {
        var a = Vector256.Create(0.999f);
        var b = Vector256.Create(1e-3f);
        Vector256<float> c0 = default, c1 = c0 + b, c2 = c1 + b, c3 = c2 + b, c4 = c3 + b, c5 = c4 + b;
        Vector256<float> c6 = c5 + b, c7 = c6 + b, c8 = c7 + b, c9 = c8 + b, c10 = c9 + b, c11 = c10 + b;
        for (int i = 0; i < n; i++)
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

    /// <summary>The 512-bit kernel: <paramref name="n"/> iterations of 12 vector FMAs (2 · 12 · 16 flops each).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Peak512(int n)
    {
        var a = Vector512.Create(0.999f);
        var b = Vector512.Create(1e-3f);
        Vector512<float> c0 = default, c1 = c0 + b, c2 = c1 + b, c3 = c2 + b, c4 = c3 + b, c5 = c4 + b;
        Vector512<float> c6 = c5 + b, c7 = c6 + b, c8 = c7 + b, c9 = c8 + b, c10 = c9 + b, c11 = c10 + b;
        for (int i = 0; i < n; i++)
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
