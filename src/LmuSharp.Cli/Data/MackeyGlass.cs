namespace LmuSharp.Cli.Data;

/// <summary>
/// The Mackey–Glass delay differential equation dx/dt = β x(t−τ) / (1 + x(t−τ)^n) − γ x(t) with the
/// chaotic parameters β = 0.2, γ = 0.1, n = 10, τ = 17. Integrated by the classical Runge–Kutta method
/// with step h = 0.1 by default (τ/h = 170 grid steps exactly); the delayed value needed at the half steps is the
/// cubic Hermite interpolant of the grid values and their derivatives (4th-order accurate, like RK4).
/// The history x(t ≤ 0) is a constant x₀; the first 500 time units (the transient) are discarded and
/// the series is sampled every time unit.
/// </summary>
static class MackeyGlass
{
    const double Beta = 0.2, Gamma = 0.1;
    const int Power = 10, Tau = 17, Transient = 500;

    static double Feedback(double delayed) => Beta * delayed / (1 + Math.Pow(delayed, Power));

    /// <summary>A series of <paramref name="length"/> samples (one per time unit) from history x₀.</summary>
    /// <param name="length">Samples to return.</param>
    /// <param name="x0">The constant history x(t ≤ 0).</param>
    /// <param name="stepsPerSample">RK4 steps per time unit (10: h = 0.1).</param>
    public static double[] Generate(int length, double x0, int stepsPerSample = 10)
    {
        double h = 1.0 / stepsPerSample;
        int lag = Tau * stepsPerSample; // τ/h grid steps
        int steps = (Transient + length) * stepsPerSample;
        var x = new double[steps + 1];
        var f = new double[steps + 1]; // dx/dt at each grid point
        double Past(int i) => i < 0 ? x0 : x[i];
        x[0] = x0;
        f[0] = Feedback(x0) - Gamma * x0;
        for (int i = 0; i < steps; i++)
        {
            // x(t−τ), x(t−τ+h/2), x(t−τ+h): grid, Hermite midpoint, grid.
            double d0 = Past(i - lag), d1 = Past(i - lag + 1);
            // On [−h, 0] the delayed value is the constant history: its slope is 0 at both ends.
            double fd0 = i - lag < 0 ? 0 : f[i - lag], fd1 = i - lag + 1 <= 0 ? 0 : f[i - lag + 1];
            double dMid = (d0 + d1) / 2 + h * (fd0 - fd1) / 8;
            double k1 = Feedback(d0) - Gamma * x[i];
            double k2 = Feedback(dMid) - Gamma * (x[i] + h / 2 * k1);
            double k3 = Feedback(dMid) - Gamma * (x[i] + h / 2 * k2);
            double k4 = Feedback(d1) - Gamma * (x[i] + h * k3);
            x[i + 1] = x[i] + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
            f[i + 1] = Feedback(Past(i + 1 - lag)) - Gamma * x[i + 1];
        }
        var samples = new double[length];
        for (int s = 0; s < length; s++) samples[s] = x[(Transient + s) * stepsPerSample];
        return samples;
    }
}
