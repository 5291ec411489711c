using LmuSharp.Memory;

namespace LmuSharp.Tests;

public class StateSpaceTests
{
    // Hand-computed from A[i,j] = (2i+1)(−1 if i<j else (−1)^(i−j+1)), B[i] = (2i+1)(−1)^i.
    public static TheoryData<int, double[,], double[]> HandComputed => new()
    {
        { 1, new double[,] { { -1 } }, new double[] { 1 } },
        { 2, new double[,] { { -1, -1 }, { 3, -3 } }, new double[] { 1, -3 } },
        { 3, new double[,] { { -1, -1, -1 }, { 3, -3, -3 }, { -5, 5, -5 } }, new double[] { 1, -3, 5 } },
        { 4, new double[,] { { -1, -1, -1, -1 }, { 3, -3, -3, -3 }, { -5, 5, -5, -5 }, { 7, -7, 7, -7 } }, new double[] { 1, -3, 5, -7 } },
    };

    [Theory, MemberData(nameof(HandComputed))]
    public void A_and_B_match_hand_computed_values(int order, double[,] a, double[] b)
    {
        Assert.Equal(a, LegendreStateSpace.A(order));
        Assert.Equal(b, LegendreStateSpace.B(order));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Order_below_one_is_refused_naming_the_parameter(int order)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => LegendreStateSpace.Discretize(order, 10));
        Assert.Equal("order", e.ParamName);
        Assert.Contains("≥ 1", e.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Theta_not_positive_and_finite_is_refused(double theta)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => LegendreStateSpace.Discretize(4, theta));
        Assert.Equal("theta", e.ParamName);
        Assert.Contains("> 0", e.Message);
    }

    [Fact]
    public void Unknown_discretizer_is_refused_listing_the_accepted_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => LegendreStateSpace.Discretize(4, 10, (Discretizer)7));
        Assert.Equal("discretizer", e.ParamName);
        Assert.Contains("zoh, euler, bilinear", e.Message);
        var p = Assert.Throws<ArgumentException>(() => DiscretizerNames.Parse("rk4"));
        Assert.Contains("zoh, euler, bilinear", p.Message);
        Assert.Equal(Discretizer.Bilinear, DiscretizerNames.Parse(" Bilinear "));
    }

    [Fact]
    public void Unstable_euler_is_refused_with_a_suggestion()
    {
        // Order 16 at θ = 4: I + A/θ has eigenvalues far outside the unit circle.
        var e = Assert.Throws<ArgumentException>(() => LegendreStateSpace.Discretize(16, 4, Discretizer.Euler));
        Assert.Equal("discretizer", e.ParamName);
        Assert.Contains("zoh", e.Message);
        Assert.Contains("larger theta", e.Message);
        // Large θ against the order is accepted.
        Assert.Equal(16, LegendreStateSpace.Discretize(16, 1000, Discretizer.Euler).Order);
    }
}
