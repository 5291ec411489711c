using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;

namespace LmuSharp.Bench;

/// <summary>
/// The machine's single-core FMA peak, to quote kernel GFLOP/s against: 12 independent chains of
/// vector fused multiply-adds (enough to hide the FMA latency), widest vectors the CPU accelerates.
/// </summary>
[Config(typeof(GflopsConfig))]
public class PeakFmaBenchmark : IFlopCount
{
    const int Iterations = 100_000;
    const int Chains = 12;

    public double FlopsPerOperation(BenchmarkCase benchmark) =>
        2.0 * Chains * Iterations * (Vector512.IsHardwareAccelerated ? Vector512<double>.Count : Vector256<double>.Count);

    [Benchmark]
    public double FmaPeak() => Vector512.IsHardwareAccelerated ? Run512() : Run256();

    static double Run512()
    {
        var b = Vector512.Create(0.999999); var c = Vector512.Create(1e-7);
        Vector512<double> a0 = Vector512.Create(1.0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < Iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, b, c); a1 = Vector512.FusedMultiplyAdd(a1, b, c);
            a2 = Vector512.FusedMultiplyAdd(a2, b, c); a3 = Vector512.FusedMultiplyAdd(a3, b, c);
            a4 = Vector512.FusedMultiplyAdd(a4, b, c); a5 = Vector512.FusedMultiplyAdd(a5, b, c);
            a6 = Vector512.FusedMultiplyAdd(a6, b, c); a7 = Vector512.FusedMultiplyAdd(a7, b, c);
            a8 = Vector512.FusedMultiplyAdd(a8, b, c); a9 = Vector512.FusedMultiplyAdd(a9, b, c);
            a10 = Vector512.FusedMultiplyAdd(a10, b, c); a11 = Vector512.FusedMultiplyAdd(a11, b, c);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    static double Run256()
    {
        var b = Vector256.Create(0.999999); var c = Vector256.Create(1e-7);
        Vector256<double> a0 = Vector256.Create(1.0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < Iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, b, c); a1 = Vector256.FusedMultiplyAdd(a1, b, c);
            a2 = Vector256.FusedMultiplyAdd(a2, b, c); a3 = Vector256.FusedMultiplyAdd(a3, b, c);
            a4 = Vector256.FusedMultiplyAdd(a4, b, c); a5 = Vector256.FusedMultiplyAdd(a5, b, c);
            a6 = Vector256.FusedMultiplyAdd(a6, b, c); a7 = Vector256.FusedMultiplyAdd(a7, b, c);
            a8 = Vector256.FusedMultiplyAdd(a8, b, c); a9 = Vector256.FusedMultiplyAdd(a9, b, c);
            a10 = Vector256.FusedMultiplyAdd(a10, b, c); a11 = Vector256.FusedMultiplyAdd(a11, b, c);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
