namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// Architecture of a <see cref="Gilr"/> layer (gated impulse linear recurrence, Martin &amp; Cundy 2018):
/// g_t = σ(W_g x_t + b_g), i_t = tanh(W_i x_t + b_i), h_t = g_t ⊙ h_{t-1} + (1 − g_t) ⊙ i_t; and of a
/// <see cref="GilrLstm"/> layer, whose GILR layer h̃, cell c and output h all have <see cref="HiddenSize"/> units.
/// </summary>
public sealed record GilrOptions
{
    /// <summary>Describes a GILR layer.</summary>
    /// <param name="inputSize">Features per input step (≥ 1).</param>
    /// <param name="hiddenSize">State and output features (≥ 1).</param>
    public GilrOptions(int inputSize, int hiddenSize)
    {
        InputSize = LayerChecks.Positive(inputSize, nameof(inputSize));
        HiddenSize = LayerChecks.Positive(hiddenSize, nameof(hiddenSize));
    }

    /// <summary>Features per input step.</summary>
    public int InputSize { get; }

    /// <summary>State and output features.</summary>
    public int HiddenSize { get; }
}
