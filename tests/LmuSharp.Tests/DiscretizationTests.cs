using LmuSharp.LinearAlgebra;
using LmuSharp.Memory;
using MathNet.Numerics.LinearAlgebra;

namespace LmuSharp.Tests;

public class DiscretizationTests
{
    public static TheoryData<int, double> Grid()
    {
        var data = new TheoryData<int, double>();
        foreach (var d in new[] { 1, 4, 16, 64, 256 })
            foreach (var theta in new[] { 1.0, 10, 784, 100000 }) data.Add(d, theta);
        return data;
    }

    /// <summary>‖x − y‖₁ / ‖y‖₁, the measure of Higham's matrix-exponential papers.</summary>
    static double RelativeError(double[,] x, double[,] y) =>
        Dense.Norm1(Dense.Combine(1, x, -1, y)) / Dense.Norm1(y);

    static double[,] Block(int d, double theta)
    {
        var a = LegendreStateSpace.A(d);
        var b = LegendreStateSpace.B(d);
        var block = new double[d + 1, d + 1];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++) block[i, j] = a[i, j] / theta;
            block[i, d] = b[i] / theta;
        }
        return block;
    }

    [Theory, MemberData(nameof(Grid))]
    public void Zoh_matches_a_double_double_taylor_reference(int d, double theta)
    {
        var system = LegendreStateSpace.Discretize(d, theta, Discretizer.Zoh);
        var reference = ReferenceExp.Exp(Block(d, theta));
        var refA = new double[d, d];
        var refB = new double[d, 1];
        var gotB = new double[d, 1];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++) refA[i, j] = reference[i, j];
            refB[i, 0] = reference[i, d];
            gotB[i, 0] = system.BBar[i];
        }
        Assert.True(RelativeError(system.ABar, refA) <= 1e-10, $"Ā relative error {RelativeError(system.ABar, refA):E2}");
        Assert.True(RelativeError(gotB, refB) <= 1e-10, $"B̄ relative error {RelativeError(gotB, refB):E2}");
    }

    [Theory, MemberData(nameof(Grid))]
    public void Zoh_is_stable(int d, double theta)
    {
        var rho = Dense.SpectralRadius(LegendreStateSpace.Discretize(d, theta).ABar);
        Assert.True(rho < 1, $"spectral radius {rho}");
    }

    [Theory]
    [InlineData(1, 3.0)]
    [InlineData(4, 10.0)]
    [InlineData(8, 100.0)]
    [InlineData(12, 784.0)]
    public void Spectral_radius_agrees_with_eigenvalues_where_those_are_well_conditioned(int d, double theta)
    {
        // Independent route: ρ(expm(A/θ)) = max |exp(λ_i/θ)| over the eigenvalues λ_i of A (MathNet).
        var evd = Matrix<double>.Build.DenseOfArray(LegendreStateSpace.A(d)).Evd();
        double expected = evd.EigenValues.Max(l => Math.Exp(l.Real / theta));
        double actual = Dense.SpectralRadius(LegendreStateSpace.Discretize(d, theta).ABar);
        Assert.Equal(expected, actual, 1e-9);
    }

    [Theory]
    [InlineData(4, 10.0)]
    [InlineData(16, 784.0)]
    [InlineData(64, 100000.0)]
    public void Euler_matches_its_closed_form(int d, double theta)
    {
        var system = LegendreStateSpace.Discretize(d, theta, Discretizer.Euler);
        var a = LegendreStateSpace.A(d);
        var b = LegendreStateSpace.B(d);
        var aBar = system.ABar;
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++) Assert.Equal((i == j ? 1 : 0) + a[i, j] / theta, aBar[i, j], 1e-15);
            Assert.Equal(b[i] / theta, system.BBar[i], 1e-15);
        }
    }

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(4, 10.0)]
    [InlineData(16, 784.0)]
    [InlineData(64, 100000.0)]
    public void Bilinear_satisfies_its_defining_equations(int d, double theta)
    {
        // (I − A/2θ) Ā = I + A/2θ and (I − A/2θ) B̄ = B/θ, checked with MathNet's matrices.
        var system = LegendreStateSpace.Discretize(d, theta, Discretizer.Bilinear);
        var m = Matrix<double>.Build;
        var a = m.DenseOfArray(LegendreStateSpace.A(d));
        var id = m.DenseIdentity(d);
        var left = id - a / (2 * theta);
        var residualA = left * m.DenseOfArray(system.ABar) - (id + a / (2 * theta));
        var residualB = left * Vector<double>.Build.DenseOfArray(system.BBar) - Vector<double>.Build.DenseOfArray(LegendreStateSpace.B(d)) / theta;
        Assert.True(residualA.InfinityNorm() < 1e-12, $"‖residual Ā‖ = {residualA.InfinityNorm():E2}");
        Assert.True(residualB.InfinityNorm() < 1e-12, $"‖residual B̄‖ = {residualB.InfinityNorm():E2}");
        Assert.True(Dense.SpectralRadius(system.ABar) < 1);
    }

    [Theory]
    [InlineData(Discretizer.Zoh)]
    [InlineData(Discretizer.Euler)]
    [InlineData(Discretizer.Bilinear)]
    public void Impulse_response_equals_matrix_powers_and_the_streamed_impulse(Discretizer discretizer)
    {
        const int d = 12, length = 300;
        var system = LegendreStateSpace.Discretize(d, 100, discretizer);
        var h = system.ImpulseResponse(length);
        var aBar = Matrix<double>.Build.DenseOfArray(system.ABar);
        var bBar = Vector<double>.Build.DenseOfArray(system.BBar);
        var memory = new LegendreMemory(d, 100, discretizer);
        for (int k = 0; k < length; k++)
        {
            memory.Step(k == 0 ? 1 : 0); // after k+1 steps of a unit impulse the state is H_k
            var power = aBar.Power(k) * bBar;
            for (int i = 0; i < d; i++)
            {
                Assert.Equal(power[i], h[k, i], 1e-12);
                Assert.Equal(h[k, i], memory.State[i], 1e-14);
            }
        }
    }

    [Fact]
    public void Matrix_exponential_refuses_bad_input()
    {
        Assert.Throws<ArgumentException>(() => MatrixExponential.Exp(new double[2, 3]));
        Assert.Throws<ArgumentException>(() => MatrixExponential.Exp(new double[,] { { double.NaN } }));
    }

    [Fact]
    public void Matrix_exponential_of_a_rotation_generator_is_the_rotation()
    {
        // e^[[0, −t], [t, 0]] = [[cos t, −sin t], [sin t, cos t]], a case with norm far above θ_13.
        const double t = 50.3;
        var e = MatrixExponential.Exp(new double[,] { { 0, -t }, { t, 0 } });
        Assert.Equal(Math.Cos(t), e[0, 0], 1e-12);
        Assert.Equal(-Math.Sin(t), e[0, 1], 1e-12);
        Assert.Equal(Math.Sin(t), e[1, 0], 1e-12);
    }
}
