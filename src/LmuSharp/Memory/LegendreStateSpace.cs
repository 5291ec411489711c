using LmuSharp.LinearAlgebra;

namespace LmuSharp.Memory;

/// <summary>
/// The continuous Legendre memory of Voelker, Kajić and Eliasmith (NeurIPS 2019),
/// θ·dm/dt = A m + B u, whose state m ∈ ℝᵈ holds the Legendre coefficients of the last θ of u.
/// </summary>
public static class LegendreStateSpace
{
    /// <summary>A[i,j] = (2i+1)·(−1 if i &lt; j, else (−1)^(i−j+1)), i, j = 0..d−1.</summary>
    /// <param name="order">The order d ≥ 1.</param>
    public static double[,] A(int order)
    {
        Check.Order(order);
        var a = new double[order, order];
        for (int i = 0; i < order; i++)
            for (int j = 0; j < order; j++)
                a[i, j] = (2 * i + 1) * (i < j ? -1.0 : ((i - j + 1) % 2 == 0 ? 1.0 : -1.0));
        return a;
    }

    /// <summary>B[i] = (2i+1)·(−1)^i, i = 0..d−1.</summary>
    /// <param name="order">The order d ≥ 1.</param>
    public static double[] B(int order)
    {
        Check.Order(order);
        var b = new double[order];
        for (int i = 0; i < order; i++) b[i] = (2 * i + 1) * (i % 2 == 0 ? 1.0 : -1.0);
        return b;
    }

    /// <summary>Discretises the order-<paramref name="order"/> memory with window θ at time step 1.</summary>
    /// <param name="order">The order d ≥ 1.</param>
    /// <param name="theta">The window length θ &gt; 0, in steps.</param>
    /// <param name="discretizer">The discretisation method.</param>
    /// <exception cref="ArgumentException">Out-of-range order or θ, an unknown discretiser, or an unstable Euler discretisation.</exception>
    public static DiscreteLegendreSystem Discretize(int order, double theta, Discretizer discretizer = Discretizer.Zoh)
    {
        Check.Order(order);
        Check.Theta(theta);
        var (aBar, bBar) = DiscretizerNames.Check(discretizer, nameof(discretizer)) switch
        {
            Discretizer.Zoh => Zoh(A(order), B(order), theta),
            Discretizer.Euler => Euler(A(order), B(order), theta),
            _ => Bilinear(A(order), B(order), theta),
        };
        return new DiscreteLegendreSystem(order, theta, discretizer, aBar, bBar);
    }

    /// <summary>[[Ā, B̄], [0, 1]] = expm([[A/θ, B/θ], [0, 0]]).</summary>
    static (double[,], double[]) Zoh(double[,] a, double[] b, double theta)
    {
        int d = b.Length;
        var block = new double[d + 1, d + 1];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++) block[i, j] = a[i, j] / theta;
            block[i, d] = b[i] / theta;
        }
        return SplitColumns(MatrixExponential.Exp(block), d);
    }

    /// <summary>Ā = I + A/θ, B̄ = B/θ; refused when ρ(Ā) &gt; 1 (the recurrence would diverge).</summary>
    static (double[,], double[]) Euler(double[,] a, double[] b, double theta)
    {
        var aBar = Dense.Combine(1, Dense.Identity(b.Length), 1 / theta, a);
        double rho = Dense.SpectralRadius(aBar);
        if (rho > 1)
            throw new ArgumentException(
                $"Euler discretisation of an order-{b.Length} memory with theta = {theta} is unstable (spectral radius of Ā = {rho:G6} > 1); " +
                "use the zoh or bilinear discretizer, or a larger theta.", "discretizer");
        return (aBar, Array.ConvertAll(b, x => x / theta));
    }

    /// <summary>Ā = (I − A/2θ)⁻¹(I + A/2θ), B̄ = (I − A/2θ)⁻¹ B/θ.</summary>
    static (double[,], double[]) Bilinear(double[,] a, double[] b, double theta)
    {
        int d = b.Length;
        var id = Dense.Identity(d);
        var lhs = Dense.Combine(1, id, -0.5 / theta, a);
        var rhs = new double[d, d + 1]; // [I + A/2θ | B/θ] solved in one go
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++) rhs[i, j] = id[i, j] + 0.5 / theta * a[i, j];
            rhs[i, d] = b[i] / theta;
        }
        return SplitColumns(Dense.Solve(lhs, rhs), d);
    }

    /// <summary>The first d rows of [Ā | B̄ | …] split into Ā (columns 0..d−1) and B̄ (column d).</summary>
    static (double[,], double[]) SplitColumns(double[,] m, int d)
    {
        var aBar = new double[d, d];
        var bBar = new double[d];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++) aBar[i, j] = m[i, j];
            bBar[i] = m[i, d];
        }
        return (aBar, bBar);
    }
}
