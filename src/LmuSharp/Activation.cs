namespace LmuSharp;

/// <summary>
/// An elementwise nonlinearity: of a Linear or RNN hidden cell (LmuSharp.Torch) and of a layer in an exported model
/// (LmuSharp.Runtime). Its name in files and on the command line is <see cref="ActivationNames.ToName"/>.
/// </summary>
public enum Activation
{
    /// <summary>f(z) = z.</summary>
    Identity,
    /// <summary>f(z) = tanh z.</summary>
    Tanh,
    /// <summary>f(z) = max(z, 0).</summary>
    Relu,
    /// <summary>f(z) = 1 / (1 + e^−z).</summary>
    Sigmoid,
    /// <summary>The Gaussian error linear unit, exact (erf-based), as PyTorch's default <c>gelu</c>.</summary>
    Gelu,
}

/// <summary>The names of activations in model metadata, option lists and the command line.</summary>
public static class ActivationNames
{
    /// <summary>The accepted names, in the order of <see cref="Activation"/>: identity, tanh, relu, sigmoid, gelu.</summary>
    public static IReadOnlyList<string> All => Names;

    static readonly string[] Names = ["identity", "tanh", "relu", "sigmoid", "gelu"];

    /// <summary>The lower-case name of an activation.</summary>
    /// <param name="activation">A defined <see cref="Activation"/> value.</param>
    /// <exception cref="ArgumentException">An undefined value.</exception>
    public static string ToName(this Activation activation) => Enum.IsDefined(activation) ? All[(int)activation]
        : throw new ArgumentException($"unknown activation {(int)activation}; expected one of: {string.Join(", ", All)}.", nameof(activation));

    /// <summary>Parses a name of <see cref="All"/> (case-insensitive).</summary>
    /// <param name="name">The activation's name.</param>
    /// <exception cref="ArgumentException">The name is none of the accepted ones.</exception>
    public static Activation Parse(string name) => TryParse(name, out var activation) ? activation
        : throw new ArgumentException($"unknown activation '{name}'; expected one of: {string.Join(", ", All)}.", nameof(name));

    /// <summary>Parses a name of <see cref="All"/> (case-insensitive); false for any other string.</summary>
    /// <param name="name">The activation's name.</param>
    /// <param name="activation">The activation, or <see cref="Activation.Identity"/> when the name is unknown.</param>
    public static bool TryParse(string? name, out Activation activation)
    {
        int index = name is null ? -1 : Array.IndexOf(Names, name.Trim().ToLowerInvariant());
        activation = (Activation)Math.Max(index, 0);
        return index >= 0;
    }
}
