using System.Numerics.Tensors;

namespace LmuSharp.Runtime;

/// <summary>The runtime's application of an <see cref="Activation"/> to float spans.</summary>
internal static class Activations
{
    /// <summary>
    /// values ← activation(values), in place, one row of <paramref name="size"/> at a time: TensorPrimitives
    /// rounds its scalar tail differently from its vector body, so a row must not depend on its neighbours.
    /// </summary>
    public static void Apply(this Activation activation, Span<float> values, int rows, int size)
    {
        if (activation == Activation.Identity) return;
        for (int r = 0; r < rows; r++) activation.Apply(values.Slice(r * size, size));
    }

    /// <summary>values ← activation(values), in place.</summary>
    public static void Apply(this Activation activation, Span<float> values)
    {
        switch (activation)
        {
            case Activation.Tanh: TensorPrimitives.Tanh(values, values); break;
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(values, values); break;
            case Activation.Relu: TensorPrimitives.Max(values, 0f, values); break;
            case Activation.Gelu: foreach (ref float v in values) v = Gelu(v); break;
        }
    }

    /// <summary>
    /// The exact GELU of PyTorch (approximate='none'): x Φ(x) = ½ x (1 + erf(x/√2)). Hand-written: .NET has no erf.
    /// erf by Abramowitz &amp; Stegun 7.1.26 (|error| ≤ 1.5e-7), evaluated in double.
    /// </summary>
    static float Gelu(float value)
    {
        double x = value / Math.Sqrt(2), t = 1 / (1 + 0.3275911 * Math.Abs(x));
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double erf = Math.CopySign(1 - poly * Math.Exp(-x * x), x);
        return (float)(0.5 * value * (1 + erf));
    }
}
