namespace LmuSharp.LinearAlgebra;

/// <summary>
/// The matrix exponential e^M by scaling and squaring with the degree-13 Padé approximant
/// (Higham, "The scaling and squaring method for the matrix exponential revisited", SIAM J. Matrix
/// Anal. Appl. 26(4), 2005). Hand-written: no package available here provides a matrix
/// exponential (MathNet's <c>Exp</c> is element-wise).
/// </summary>
public static class MatrixExponential
{
    // Padé [13/13] coefficients b_0..b_13 of Higham (2005), table 2.3.
    static readonly double[] B =
    [
        64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800,
        129060195264000, 10559470521600, 670442572800, 33522128640, 1323241920,
        40840800, 960960, 16380, 182, 1,
    ];

    // θ_13: the largest ‖M‖₁ for which r_13(M) meets double precision without scaling.
    const double Theta13 = 5.371920351148152;

    /// <summary>Computes e^M for a square matrix M.</summary>
    /// <param name="m">A square matrix with finite entries.</param>
    /// <returns>A new matrix holding e^M.</returns>
    /// <exception cref="ArgumentException">M is not square or has a non-finite entry.</exception>
    public static double[,] Exp(double[,] m)
    {
        ArgumentNullException.ThrowIfNull(m);
        int n = m.GetLength(0);
        if (m.GetLength(1) != n) throw new ArgumentException($"expected a square matrix, got {n}×{m.GetLength(1)}.", nameof(m));
        foreach (var v in m)
            if (!double.IsFinite(v)) throw new ArgumentException("the matrix has a non-finite entry.", nameof(m));

        double norm = Dense.Norm1(m);
        // Scale M by 2^-s so that ‖M / 2^s‖₁ ≤ θ_13, approximate, then square s times.
        int s = norm > Theta13 ? (int)Math.Ceiling(Math.Log2(norm / Theta13)) : 0;
        var a = s == 0 ? m : Dense.Scale(Math.ScaleB(1, -s), m);
        var r = Pade13(a);
        for (int i = 0; i < s; i++) r = Dense.Multiply(r, r);
        return r;
    }

    /// <summary>r_13(A) = (V − U)⁻¹ (V + U) with U the odd and V the even part of the Padé numerator.</summary>
    static double[,] Pade13(double[,] a)
    {
        int n = a.GetLength(0);
        var id = Dense.Identity(n);
        var a2 = Dense.Multiply(a, a);
        var a4 = Dense.Multiply(a2, a2);
        var a6 = Dense.Multiply(a4, a2);

        var u = Dense.Multiply(a6, Sum((B[13], a6), (B[11], a4), (B[9], a2)));
        u = Dense.Multiply(a, Dense.Combine(1, u, 1, Sum((B[7], a6), (B[5], a4), (B[3], a2), (B[1], id))));
        var v = Dense.Multiply(a6, Sum((B[12], a6), (B[10], a4), (B[8], a2)));
        v = Dense.Combine(1, v, 1, Sum((B[6], a6), (B[4], a4), (B[2], a2), (B[0], id)));

        return Dense.Solve(Dense.Combine(1, v, -1, u), Dense.Combine(1, v, 1, u));
    }

    /// <summary>Σ c_k M_k.</summary>
    static double[,] Sum(params ReadOnlySpan<(double C, double[,] M)> terms)
    {
        var total = Dense.Scale(terms[0].C, terms[0].M);
        foreach (var (c, m) in terms[1..]) total = Dense.Combine(1, total, c, m);
        return total;
    }
}
