namespace LmuSharp.Memory;

/// <summary>
/// A streaming Legendre memory over one scalar input: <see cref="Step"/> feeds a sample,
/// <see cref="Read"/> returns the input as it was θ' steps ago, reconstructed from d Legendre
/// coefficients. Memory use is O(d) however long the stream.
/// </summary>
/// <example>
/// <code>
/// var memory = new LegendreMemory(order: 64, theta: 1000);
/// foreach (var u in samples) memory.Step(u);
/// double delayed = memory.Read(500); // ≈ the sample from 500 steps ago
/// </code>
/// </example>
public sealed class LegendreMemory
{
    readonly LegendreMemoryBank _bank;
    readonly double[] _input = new double[1];
    readonly double[] _output = new double[1];

    /// <summary>Creates a memory of the given order and window.</summary>
    /// <param name="order">The order d ≥ 1.</param>
    /// <param name="theta">The window length θ &gt; 0, in steps.</param>
    /// <param name="discretizer">The discretisation method (zero-order hold by default).</param>
    public LegendreMemory(int order, double theta, Discretizer discretizer = Discretizer.Zoh) =>
        _bank = new LegendreMemoryBank(1, order, theta, discretizer);

    /// <summary>The order d.</summary>
    public int Order => _bank.Order;

    /// <summary>The window length θ, in steps.</summary>
    public double Theta => _bank.Theta;

    /// <summary>The discretised system.</summary>
    public DiscreteLegendreSystem System => _bank.System;

    /// <summary>The Legendre coefficients m_t (length d).</summary>
    public ReadOnlySpan<double> State => _bank.State;

    /// <summary>Sets the memory back to zero.</summary>
    public void Reset() => _bank.Reset();

    /// <summary>Feeds one sample: m ← Ā m + B̄ u.</summary>
    /// <param name="u">The input sample.</param>
    public void Step(double u)
    {
        _input[0] = u;
        _bank.Step(_input);
    }

    /// <summary>The input as it was <paramref name="delay"/> steps ago, θ' ∈ [0, θ].</summary>
    /// <param name="delay">The delay θ' in steps.</param>
    public double Read(double delay)
    {
        _bank.Read(delay, _output);
        return _output[0];
    }
}
