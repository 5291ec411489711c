using System.Runtime.InteropServices;
using System.Numerics.Tensors;

namespace LmuSharp.LinearAlgebra;

/// <summary>
/// The few dense double-precision matrix operations the Legendre math needs, on <c>double[,]</c>.
/// Hand-written: the only managed linear-algebra package available (MathNet.Numerics) would be the
/// core library's sole dependency for a handful of operations, and has no matrix exponential.
/// </summary>
internal static class Dense
{
    /// <summary>Row <paramref name="i"/> of <paramref name="m"/> as a span (no copy).</summary>
    public static Span<double> Row(double[,] m, int i) =>
        MemoryMarshal.CreateSpan(ref m[i, 0], m.GetLength(1));

    public static double[,] Identity(int n)
    {
        var m = new double[n, n];
        for (int i = 0; i < n; i++) m[i, i] = 1;
        return m;
    }

    /// <summary>C = A B, row by row as AXPYs (C[i,:] += A[i,k] B[k,:]) so the inner loop is SIMD.</summary>
    public static double[,] Multiply(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), inner = a.GetLength(1), m = b.GetLength(1);
        if (b.GetLength(0) != inner) throw new ArgumentException($"inner dimensions differ: {inner} vs {b.GetLength(0)}.");
        var c = new double[n, m];
        if (m == 0) return c;
        void RowOf(int i)
        {
            var ci = Row(c, i);
            for (int k = 0; k < inner; k++)
            {
                double aik = a[i, k];
                if (aik != 0) TensorPrimitives.MultiplyAdd(Row(b, k), aik, ci, ci);
            }
        }
        if ((long)n * inner * m >= 1 << 21) Parallel.For(0, n, RowOf);
        else for (int i = 0; i < n; i++) RowOf(i);
        return c;
    }

    /// <summary>y = M x.</summary>
    public static double[] Multiply(double[,] m, ReadOnlySpan<double> x)
    {
        var y = new double[m.GetLength(0)];
        for (int i = 0; i < y.Length; i++) y[i] = TensorPrimitives.Dot(Row(m, i), x);
        return y;
    }

    /// <summary>α A + β B.</summary>
    public static double[,] Combine(double alpha, double[,] a, double beta, double[,] b)
    {
        var c = new double[a.GetLength(0), a.GetLength(1)];
        for (int i = 0; i < c.GetLength(0); i++)
            for (int j = 0; j < c.GetLength(1); j++) c[i, j] = alpha * a[i, j] + beta * b[i, j];
        return c;
    }

    public static double[,] Scale(double alpha, double[,] a) => Combine(alpha, a, 0, a);

    public static double[,] Transpose(double[,] a)
    {
        var t = new double[a.GetLength(1), a.GetLength(0)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) t[j, i] = a[i, j];
        return t;
    }

    /// <summary>Maximum absolute column sum.</summary>
    public static double Norm1(double[,] a)
    {
        double best = 0;
        for (int j = 0; j < a.GetLength(1); j++)
        {
            double s = 0;
            for (int i = 0; i < a.GetLength(0); i++) s += Math.Abs(a[i, j]);
            best = Math.Max(best, s);
        }
        return best;
    }

    /// <summary>X = A⁻¹ B by LU decomposition with partial pivoting.</summary>
    public static double[,] Solve(double[,] a, double[,] b)
    {
        int n = a.GetLength(0);
        var lu = (double[,])a.Clone();
        var x = (double[,])b.Clone();
        for (int k = 0; k < n; k++)
        {
            int p = k;
            for (int i = k + 1; i < n; i++) if (Math.Abs(lu[i, k]) > Math.Abs(lu[p, k])) p = i;
            if (lu[p, k] == 0) throw new InvalidOperationException("Singular matrix in Dense.Solve.");
            if (p != k) { SwapRows(lu, p, k); SwapRows(x, p, k); }
            for (int i = k + 1; i < n; i++)
            {
                double f = lu[i, k] / lu[k, k];
                if (f == 0) continue;
                lu[i, k] = 0;
                // Row ops on the trailing part of LU and on X.
                TensorPrimitives.MultiplyAdd(Row(lu, k)[(k + 1)..], -f, Row(lu, i)[(k + 1)..], Row(lu, i)[(k + 1)..]);
                TensorPrimitives.MultiplyAdd(Row(x, k), -f, Row(x, i), Row(x, i));
            }
        }
        for (int k = n - 1; k >= 0; k--)
        {
            var xk = Row(x, k);
            TensorPrimitives.Divide(xk, lu[k, k], xk);
            for (int i = 0; i < k; i++)
                if (lu[i, k] != 0) TensorPrimitives.MultiplyAdd(xk, -lu[i, k], Row(x, i), Row(x, i));
        }
        return x;
    }

    static void SwapRows(double[,] m, int r, int s)
    {
        var a = Row(m, r); var b = Row(m, s);
        for (int j = 0; j < a.Length; j++) (a[j], b[j]) = (b[j], a[j]);
    }

    /// <summary>
    /// Spectral radius by Gelfand's formula ρ(M) = lim ‖M^k‖^(1/k), with k = 2^squarings reached by
    /// repeated squaring and renormalisation (log-scale bookkeeping, so no overflow or underflow).
    /// Needs no eigen-decomposition, which is unusable for the Legendre A (eigenvector condition
    /// number up to 1e16): the error factor is at most κ^(2^-squarings) ≈ 1 + 4e-11 for κ = 1e16.
    /// </summary>
    public static double SpectralRadius(double[,] m, int squarings = 40)
    {
        double norm = Norm1(m);
        if (norm == 0) return 0;
        var x = Scale(1 / norm, m);
        double logScale = Math.Log(norm); // log ‖M^(2^j)‖ = 2^j · logScale + log ‖x‖ (bookkeeping per 2^j)
        double weight = 1;                         // 2^-j
        for (int j = 0; j < squarings; j++)
        {
            x = Multiply(x, x);
            double n = Norm1(x);
            if (n == 0) return 0; // nilpotent
            weight /= 2;
            logScale += weight * Math.Log(n);
            x = Scale(1 / n, x);
        }
        return Math.Exp(logScale);
    }
}
