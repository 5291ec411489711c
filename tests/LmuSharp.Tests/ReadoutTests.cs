using LmuSharp.Memory;

namespace LmuSharp.Tests;

public class ReadoutTests
{
    [Fact]
    public void Polynomials_hit_their_known_values_at_the_ends_and_the_middle()
    {
        // P_n(1) = 1, P_n(−1) = (−1)^n, P_2k(0) = (−1)^k (2k)! / (4^k (k!)²), P_2k+1(0) = 0; up to degree 499.
        const int n = 500;
        var p = new double[n];
        LegendreReadout.Polynomials(1, p);
        Assert.All(p, v => Assert.Equal(1, v, 1e-12));
        LegendreReadout.Polynomials(-1, p);
        for (int i = 0; i < n; i++) Assert.Equal(i % 2 == 0 ? 1 : -1, p[i], 1e-12);
        LegendreReadout.Polynomials(0, p);
        double central = 1; // (2k)! / (4^k (k!)²) by its product form Π (2j−1)/(2j)
        for (int k = 0; 2 * k < n; k++)
        {
            if (k > 0) central *= (2.0 * k - 1) / (2.0 * k);
            Assert.Equal((k % 2 == 0 ? 1 : -1) * central, p[2 * k], 1e-14);
            if (2 * k + 1 < n) Assert.Equal(0, p[2 * k + 1], 1e-14);
        }
    }

    [Fact]
    public void Polynomials_match_the_explicit_sum_at_low_degree()
    {
        // P_n(x) = 2^-n Σ_k (−1)^k C(n,k) C(2n−2k, n) x^(n−2k), fine in double for n ≤ 12.
        const double x = 0.37;
        var p = new double[13];
        LegendreReadout.Polynomials(x, p);
        for (int n = 0; n <= 12; n++)
        {
            double sum = 0;
            for (int k = 0; 2 * k <= n; k++)
                sum += (k % 2 == 0 ? 1 : -1) * Binomial(n, k) * Binomial(2 * n - 2 * k, n) * Math.Pow(x, n - 2 * k);
            Assert.Equal(sum / Math.Pow(2, n), p[n], 1e-13);
        }
    }

    static double Binomial(int n, int k)
    {
        double r = 1;
        for (int i = 1; i <= k; i++) r = r * (n - k + i) / i;
        return r;
    }

    [Fact]
    public void Weights_map_the_delay_fraction_onto_minus_one_to_one()
    {
        Assert.Equal([1.0, 1, 1, 1], LegendreReadout.Weights(4, 1));
        Assert.Equal([1.0, -1, 1, -1], LegendreReadout.Weights(4, 0));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => LegendreReadout.Weights(4, 1.5));
        Assert.Equal("fraction", e.ParamName);
    }
}
