using TorchSharp;
using TorchSharp.Modules;
using LmuSharp.Torch.Export;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>
/// The LMU forecaster: a parallel LMU (Linear hidden cell with tanh, memory window θ = the input window W)
/// read at the window's last step, then a dense layer to the H forecast steps. Input [N, W, features] → [N, H].
/// </summary>
public sealed class LmuForecaster : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the state_dict prefixes
    readonly Lmu lmu;
    readonly Linear head;
#pragma warning restore IDE1006

    /// <summary>A forecaster of <paramref name="horizon"/> steps from windows of <paramref name="window"/> rows of <paramref name="features"/> values.</summary>
    /// <param name="features">Values per input row.</param>
    /// <param name="window">W: rows per window, also the memory window θ.</param>
    /// <param name="horizon">H: outputs (steps ahead, or classes).</param>
    /// <param name="order">d: the Legendre memory's order.</param>
    /// <param name="hidden">The hidden size.</param>
    /// <param name="memoryBias">
    /// A bias in the memory's input u = W x + b. Over windows of one length it changes nothing the hidden layer's bias
    /// cannot (its memory is the constant Σ_k H_k b); without it, zero rows leave the memory at zero, so sequences
    /// zero-padded at the start (<see cref="SequencePadding"/>) are classified exactly as each alone from the zero state.
    /// </param>
    public LmuForecaster(int features, int window, int horizon, int order, int hidden, bool memoryBias = true) : base(nameof(LmuForecaster))
    {
        lmu = new Lmu(new LmuOptions(features, order, window)
            { Hidden = HiddenCell.Linear, HiddenSize = hidden, HiddenActivation = Activation.Tanh, InputToHidden = true, UseBias = memoryBias }, LmuMode.Final);
        head = nn.Linear(hidden, horizon);
        RegisterComponents();
    }

    /// <summary>[N, W, features] → [N, H].</summary>
    public override Tensor forward(Tensor input) => head.forward(lmu.forward(input, null).Output);

    /// <summary>The model for the streaming runtime: the LMU, then the dense head.</summary>
    public ModelExport ToExport(int features) => new ModelExport(features).Add(lmu).AddDense(head);
}
