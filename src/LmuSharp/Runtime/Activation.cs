using System.Numerics.Tensors;

namespace LmuSharp.Runtime;

/// <summary>The element-wise nonlinearities a model file may name.</summary>
internal enum Activation { Identity, Tanh, Sigmoid, Relu }

internal static class Activations
{
    /// <summary>The names used in <c>__metadata__</c>.</summary>
    public static readonly string[] Names = ["identity", "tanh", "sigmoid", "relu"];

    public static bool TryParse(string name, out Activation activation)
    {
        int index = Array.IndexOf(Names, name);
        activation = (Activation)Math.Max(index, 0);
        return index >= 0;
    }

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
        }
    }
}
