using System.Numerics.Tensors;

namespace LmuSharp.Memory;

/// <summary>
/// Many independent Legendre memories sharing one (Ā, B̄), stepped together: for each channel c,
/// m_t^c = Ā m_{t−1}^c + B̄ u_t^c. The state is channels × order, row-major.
/// </summary>
public sealed class LegendreMemoryBank
{
    readonly double[] _aBar;   // row-major d × d
    readonly double[] _bBar;
    double[] _state;
    double[] _next;
    double _weightsFraction = double.NaN;
    readonly double[] _weights;

    /// <summary>Creates <paramref name="channels"/> memories of the given order and window.</summary>
    /// <param name="channels">The number of independent input channels ≥ 1.</param>
    /// <param name="order">The order d ≥ 1.</param>
    /// <param name="theta">The window length θ &gt; 0, in steps.</param>
    /// <param name="discretizer">The discretisation method (zero-order hold by default).</param>
    public LegendreMemoryBank(int channels, int order, double theta, Discretizer discretizer = Discretizer.Zoh)
        : this(channels, LegendreStateSpace.Discretize(order, theta, discretizer)) { }

    /// <summary>Creates <paramref name="channels"/> memories over an already discretised system.</summary>
    /// <param name="channels">The number of independent input channels ≥ 1.</param>
    /// <param name="system">The discretised memory.</param>
    public LegendreMemoryBank(int channels, DiscreteLegendreSystem system)
    {
        ArgumentNullException.ThrowIfNull(system);
        Channels = Check.Positive(channels, nameof(channels));
        System = system;
        _aBar = system.ABarSpan.ToArray();
        _bBar = system.BBarSpan.ToArray();
        _state = new double[channels * system.Order];
        _next = new double[channels * system.Order];
        _weights = new double[system.Order];
    }

    /// <summary>The number of channels.</summary>
    public int Channels { get; }

    /// <summary>The discretised system the memories share.</summary>
    public DiscreteLegendreSystem System { get; }

    /// <summary>The order d.</summary>
    public int Order => System.Order;

    /// <summary>The window length θ, in steps.</summary>
    public double Theta => System.Theta;

    /// <summary>The current state, channels × order, row-major (channel c's coefficients at [c·d, (c+1)·d)).</summary>
    public ReadOnlySpan<double> State => _state;

    /// <summary>Sets every memory back to zero.</summary>
    public void Reset() => Array.Clear(_state);

    /// <summary>Advances every channel by one step: m ← Ā m + B̄ u_c.</summary>
    /// <param name="u">One input per channel.</param>
    public void Step(ReadOnlySpan<double> u)
    {
        Check.Length(u.Length, Channels, nameof(u));
        int d = Order;
        for (int c = 0; c < Channels; c++)
        {
            var m = _state.AsSpan(c * d, d);
            var next = _next.AsSpan(c * d, d);
            for (int i = 0; i < d; i++)
                next[i] = TensorPrimitives.Dot(_aBar.AsSpan(i * d, d), m) + _bBar[i] * u[c];
        }
        (_state, _next) = (_next, _state);
    }

    /// <summary>Reads every channel's input as it was <paramref name="delay"/> steps ago (θ' ∈ [0, θ]).</summary>
    /// <param name="delay">The delay θ' in steps, in [0, θ].</param>
    /// <param name="destination">One estimate per channel.</param>
    public void Read(double delay, Span<double> destination)
    {
        Check.Delay(delay, Theta, nameof(delay));
        Check.Length(destination.Length, Channels, nameof(destination));
        double fraction = delay / Theta;
        if (fraction != _weightsFraction)
        {
            LegendreReadout.Polynomials(2 * fraction - 1, _weights);
            _weightsFraction = fraction;
        }
        int d = Order;
        for (int c = 0; c < Channels; c++) destination[c] = TensorPrimitives.Dot(_weights, _state.AsSpan(c * d, d));
    }
}
