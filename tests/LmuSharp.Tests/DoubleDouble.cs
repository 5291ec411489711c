namespace LmuSharp.Tests;

/// <summary>
/// Double-double arithmetic (≈106-bit significand), used only to compute reference values
/// independently of the library's double-precision code. Hand-written: no package on the mirror
/// provides extended-precision floating point (decimal's range is too narrow for small entries).
/// Algorithms: Dekker's TwoSum and an FMA-based TwoProd.
/// </summary>
readonly record struct DoubleDouble(double Hi, double Lo)
{
    public static implicit operator DoubleDouble(double x) => new(x, 0);

    public double ToDouble() => Hi + Lo;

    static DoubleDouble TwoSum(double a, double b)
    {
        double s = a + b, bb = s - a;
        return new(s, (a - (s - bb)) + (b - bb));
    }

    static DoubleDouble QuickTwoSum(double a, double b)
    {
        double s = a + b;
        return new(s, b - (s - a));
    }

    public static DoubleDouble operator +(DoubleDouble x, DoubleDouble y)
    {
        var s = TwoSum(x.Hi, y.Hi);
        var t = TwoSum(x.Lo, y.Lo);
        s = QuickTwoSum(s.Hi, s.Lo + t.Hi);
        return QuickTwoSum(s.Hi, s.Lo + t.Lo);
    }

    public static DoubleDouble operator -(DoubleDouble x) => new(-x.Hi, -x.Lo);

    public static DoubleDouble operator -(DoubleDouble x, DoubleDouble y) => x + -y;

    public static DoubleDouble operator *(DoubleDouble x, DoubleDouble y)
    {
        double p = x.Hi * y.Hi;
        double e = Math.FusedMultiplyAdd(x.Hi, y.Hi, -p);
        e += x.Hi * y.Lo + x.Lo * y.Hi;
        return QuickTwoSum(p, e);
    }

    public static DoubleDouble operator /(DoubleDouble x, double y)
    {
        double q1 = x.Hi / y;
        var r = x - (DoubleDouble)q1 * y;
        double q2 = r.Hi / y;
        r -= (DoubleDouble)q2 * y;
        double q3 = r.Hi / y;
        return QuickTwoSum(q1, q2) + q3;
    }
}
