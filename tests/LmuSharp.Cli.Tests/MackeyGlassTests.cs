using LmuSharp.Cli.Data;

namespace LmuSharp.Cli.Tests;

public class MackeyGlassTests
{
    [Fact]
    public void Series_is_bounded_chaotic_and_converged_in_the_step_size()
    {
        var x = MackeyGlass.Generate(1000, 1.2);
        // The τ = 17 attractor lives in roughly [0.2, 1.4] and never settles to a fixed point.
        Assert.All(x, v => Assert.InRange(v, 0.2, 1.45));
        Assert.True(x.Skip(500).Max() - x.Skip(500).Min() > 0.5, $"range {x.Skip(500).Min()}..{x.Skip(500).Max()}");
        // Fourth-order convergence: halving h shrinks the change of the first 100 samples (after the
        // 500-unit transient, where chaos has amplified every local error) about 16-fold.
        var half = MackeyGlass.Generate(100, 1.2, stepsPerSample: 20);
        var quarter = MackeyGlass.Generate(100, 1.2, stepsPerSample: 40);
        double coarse = x.Take(100).Zip(half).Max(p => Math.Abs(p.First - p.Second));
        double fine = half.Zip(quarter).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(coarse / fine > 10 && coarse < 1e-3, $"changes {coarse:E2} then {fine:E2}");
    }
}
