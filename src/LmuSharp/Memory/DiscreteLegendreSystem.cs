using System.Numerics.Tensors;
using LmuSharp.LinearAlgebra;

namespace LmuSharp.Memory;

/// <summary>
/// A discretised Legendre memory, m_t = Ā m_{t−1} + B̄ u_t with m_0 = 0, so that
/// m_t = Σ_{k=0}^{t−1} H_k u_{t−k} with the impulse response H_k = Ā^k B̄.
/// Create with <see cref="LegendreStateSpace.Discretize"/>.
/// </summary>
public sealed class DiscreteLegendreSystem
{
    readonly double[,] _aBar;
    readonly double[] _bBar;

    internal DiscreteLegendreSystem(int order, double theta, Discretizer discretizer, double[,] aBar, double[] bBar)
    {
        Order = order;
        Theta = theta;
        Discretizer = discretizer;
        _aBar = aBar;
        _bBar = bBar;
    }

    /// <summary>The order d: the number of Legendre coefficients in the state.</summary>
    public int Order { get; }

    /// <summary>The window length θ, in steps.</summary>
    public double Theta { get; }

    /// <summary>The method that produced Ā and B̄.</summary>
    public Discretizer Discretizer { get; }

    /// <summary>A copy of the state-transition matrix Ā (d × d).</summary>
    public double[,] ABar => (double[,])_aBar.Clone();

    /// <summary>A copy of the input vector B̄ (d).</summary>
    public double[] BBar => (double[])_bBar.Clone();

    /// <summary>The impulse response H_k = Ā^k B̄ for k = 0..length−1, as a length × d matrix (row k is H_k).</summary>
    /// <param name="length">The number of steps T ≥ 1.</param>
    public double[,] ImpulseResponse(int length)
    {
        Check.Positive(length, nameof(length));
        var h = new double[length, Order];
        _bBar.CopyTo(Dense.Row(h, 0));
        for (int k = 1; k < length; k++)
        {
            var previous = Dense.Row(h, k - 1);
            var row = Dense.Row(h, k);
            for (int i = 0; i < Order; i++) row[i] = TensorPrimitives.Dot(Dense.Row(_aBar, i), previous);
        }
        return h;
    }

    /// <summary>Ā as a row-major span, for kernels (no copy).</summary>
    internal ReadOnlySpan<double> ABarSpan => System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref _aBar[0, 0], _aBar.Length);

    internal ReadOnlySpan<double> BBarSpan => _bBar;
}
