namespace LmuSharp.Memory;

/// <summary>
/// Reading a delayed input back from the memory: u(t − θ') ≈ Σ_i P_i(2θ'/θ − 1) · m_i(t), with P_i
/// the Legendre polynomials (so the all-ones readout, θ' = θ, gives the input delayed by the window).
/// </summary>
public static class LegendreReadout
{
    /// <summary>P_0(x) … P_{n−1}(x) by the three-term recurrence (k+1) P_{k+1} = (2k+1) x P_k − k P_{k−1}.</summary>
    /// <remarks>The recurrence is stable on [−1, 1]; expanded monomial coefficients lose all precision past degree ~30.</remarks>
    /// <param name="x">The point, in [−1, 1].</param>
    /// <param name="destination">Receives P_0(x) … P_{n−1}(x); its length is n.</param>
    public static void Polynomials(double x, Span<double> destination)
    {
        if (!(x >= -1 && x <= 1)) throw new ArgumentOutOfRangeException(nameof(x), x, $"x must lie in [-1, 1], got {x}.");
        if (destination.Length == 0) return;
        destination[0] = 1;
        if (destination.Length == 1) return;
        destination[1] = x;
        for (int k = 1; k + 1 < destination.Length; k++)
            destination[k + 1] = ((2 * k + 1) * x * destination[k] - k * destination[k - 1]) / (k + 1);
    }

    /// <summary>The readout weights for a delay θ' = <paramref name="fraction"/> · θ: w_i = P_i(2·fraction − 1).</summary>
    /// <param name="order">The memory's order d ≥ 1.</param>
    /// <param name="fraction">θ'/θ, in [0, 1]: 0 reads the newest input, 1 the input one full window ago.</param>
    public static double[] Weights(int order, double fraction)
    {
        Check.Order(order);
        if (!(fraction >= 0 && fraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, $"fraction = θ'/θ must lie in [0, 1], got {fraction}.");
        var w = new double[order];
        Polynomials(2 * fraction - 1, w);
        return w;
    }
}
