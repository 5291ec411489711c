namespace LmuSharp.Tests;

/// <summary>
/// An independent e^M for the tests: Taylor series of M/2^s (‖M/2^s‖₁ ≤ 1/64, 12 terms, truncation
/// below 1e-33) followed by s squarings, all in double-double arithmetic, so that rounding in the
/// squaring phase stays ~1e-30 relative instead of the ~1e-16·growth of a double computation.
/// </summary>
static class ReferenceExp
{
    public static double[,] Exp(double[,] m)
    {
        int n = m.GetLength(0);
        double norm = 0;
        for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int i = 0; i < n; i++) s += Math.Abs(m[i, j]);
            norm = Math.Max(norm, s);
        }
        int squarings = Math.Max(0, (int)Math.Ceiling(Math.Log2(norm * 64)));
        var x = new DoubleDouble[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) x[i, j] = Math.ScaleB(m[i, j], -squarings); // exact: power of two

        // Horner: e^X ≈ I + X(I + X/2(I + X/3(… (I + X/12)))).
        var r = Identity(n);
        for (int k = 12; k >= 1; k--)
        {
            r = Multiply(x, r);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) r[i, j] = r[i, j] / k + (i == j ? 1.0 : 0.0);
        }
        for (int s = 0; s < squarings; s++) r = Multiply(r, r);

        var result = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) result[i, j] = r[i, j].ToDouble();
        return result;
    }

    static DoubleDouble[,] Identity(int n)
    {
        var id = new DoubleDouble[n, n];
        for (int i = 0; i < n; i++) id[i, i] = 1.0;
        return id;
    }

    static DoubleDouble[,] Multiply(DoubleDouble[,] a, DoubleDouble[,] b)
    {
        int n = a.GetLength(0);
        var c = new DoubleDouble[n, n];
        Parallel.For(0, n, i =>
        {
            var row = new DoubleDouble[n];
            for (int k = 0; k < n; k++)
            {
                var aik = a[i, k];
                if (aik.Hi == 0) continue;
                for (int j = 0; j < n; j++) row[j] += aik * b[k, j];
            }
            for (int j = 0; j < n; j++) c[i, j] = row[j];
        });
        return c;
    }
}
