namespace LmuSharp.Torch;

/// <summary>An elementwise activation applied by a <see cref="HiddenCell.Linear"/> hidden cell (and by <see cref="HiddenCell.Rnn"/>: tanh or ReLU).</summary>
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
    /// <summary>The Gaussian error linear unit.</summary>
    Gelu,
}
