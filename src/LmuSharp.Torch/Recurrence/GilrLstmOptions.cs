namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// Architecture of a <see cref="GilrLstm"/> layer (Martin &amp; Cundy 2018): a GILR layer h̃ of
/// <see cref="HiddenSize"/> units feeding LSTM-style gates that see h̃_{t-1} and x_t, never h.
/// </summary>
public sealed record GilrLstmOptions
{
    /// <summary>Describes a GILR-LSTM layer.</summary>
    /// <param name="inputSize">Features per input step (≥ 1).</param>
    /// <param name="hiddenSize">Units of the GILR state h̃, the cell c and the output h (≥ 1).</param>
    public GilrLstmOptions(int inputSize, int hiddenSize)
    {
        InputSize = LayerChecks.Positive(inputSize, nameof(inputSize));
        HiddenSize = LayerChecks.Positive(hiddenSize, nameof(hiddenSize));
    }

    /// <summary>Features per input step.</summary>
    public int InputSize { get; }

    /// <summary>Units of the GILR state h̃, the cell c and the output h.</summary>
    public int HiddenSize { get; }

    /// <summary>The options of the inner GILR layer (same input and hidden sizes).</summary>
    public GilrOptions Gilr => new(InputSize, HiddenSize);
}
