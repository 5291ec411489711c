using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>The plain recurrence loop, the reference every scan implementation is checked against.</summary>
internal static class RecurrenceReference
{
    /// <summary>
    /// h_t = a_t h_{t-1} + x_t one element at a time, in T's own arithmetic. x is [b, t, c]; a is given with its
    /// shape padded to three dimensions (size-1 dimensions broadcast); h0 is [b, c] or null.
    /// </summary>
    public static T[] Scan<T>(T[] x, int batch, int time, int channels, T[] a, long[] aShape, T[]? h0, bool reverse)
        where T : INumber<T>
    {
        var h = new T[x.Length];
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
            {
                var state = h0 is null ? T.Zero : h0[b * channels + c];
                for (int s = 0; s < time; s++)
                {
                    int t = reverse ? time - 1 - s : s;
                    long ai = ((aShape[0] == 1 ? 0 : b) * aShape[1] + (aShape[1] == 1 ? 0 : t)) * aShape[2] + (aShape[2] == 1 ? 0 : c);
                    long xi = ((long)b * time + t) * channels + c;
                    state = a[ai] * state + x[xi];
                    h[xi] = state;
                }
            }
        return h;
    }

    /// <summary>The shape of a padded with leading ones to three dimensions.</summary>
    public static long[] Padded(long[] shape) => [.. Enumerable.Repeat(1L, 3 - shape.Length), .. shape];

    /// <summary>max |actual − expected| / max |expected| (normwise relative error; NaN if either holds NaN).</summary>
    public static double RelativeError<T>(ReadOnlySpan<T> actual, ReadOnlySpan<T> expected) where T : INumber<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        double err = 0, scale = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = double.CreateTruncating(expected[i]), d = Math.Abs(double.CreateTruncating(actual[i]) - e);
            if (double.IsNaN(d)) return double.NaN;
            err = Math.Max(err, d);
            scale = Math.Max(scale, Math.Abs(e));
        }
        return scale == 0 ? err : err / scale;
    }

    /// <summary>The tensor's elements in row-major order.</summary>
    public static T[] Values<T>(Tensor t) where T : unmanaged
    {
        using var c = t.detach().cpu().contiguous();
        return c.data<T>().ToArray();
    }

    /// <summary>Uniform random coefficients in (lo, hi) of the given shape.</summary>
    public static Tensor Uniform(long[] shape, double lo, double hi, ScalarType dtype) =>
        rand(shape, dtype: dtype) * (hi - lo) + lo;
}
