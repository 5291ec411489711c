namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// Architecture of a stack of recurrent layers on the linear recurrence (<see cref="Sru"/>, <see cref="Qrnn"/>), with the
/// options of torch.nn.RNN and of the reference SRU and QRNN implementations: sizes, layers, dropout between layers,
/// and a second direction per layer.
/// </summary>
/// <param name="InputSize">Features per input step (≥ 1).</param>
/// <param name="HiddenSize">Units per layer and direction (≥ 1).</param>
public sealed record StackOptions(int InputSize, int HiddenSize)
{
    /// <summary>Features per input step.</summary>
    public int InputSize { get; } = LayerChecks.Positive(InputSize, nameof(InputSize));

    /// <summary>Units per layer and direction.</summary>
    public int HiddenSize { get; } = LayerChecks.Positive(HiddenSize, nameof(HiddenSize));

    /// <summary>Stacked layers (≥ 1, default 1).</summary>
    public int Layers { get; init => field = LayerChecks.Positive(value, nameof(Layers)); } = 1;

    /// <summary>Dropout on the output of every layer but the last, in training (in [0, 1), default 0).</summary>
    public double Dropout
    {
        get;
        init => field = value is >= 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(Dropout), value, "Dropout must lie in [0, 1).");
    }

    /// <summary>A second direction per layer reading the sequence backwards; outputs concatenated (2 · hiddenSize). No step API.</summary>
    public bool Bidirectional { get; init; }

    /// <summary>Directions per layer: 1 or 2.</summary>
    public int Directions => Bidirectional ? 2 : 1;

    /// <summary>Features per output step: hiddenSize · directions.</summary>
    public int OutputSize => HiddenSize * Directions;

    /// <summary>The input size of layer <paramref name="layer"/>.</summary>
    internal int LayerInput(int layer) => layer == 0 ? InputSize : OutputSize;
}
