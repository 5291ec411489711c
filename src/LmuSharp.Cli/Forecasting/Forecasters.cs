using TorchSharp.Modules;

namespace LmuSharp.Cli.Forecasting;

/// <summary>
/// The LMU forecaster: a parallel LMU (Linear hidden cell with tanh, memory window θ = the input window W)
/// read at the window's last step, then a dense layer to the H forecast steps. Input [N, W, features] → [N, H].
/// </summary>
sealed class LmuForecaster : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the state_dict prefixes
    readonly Lmu lmu;
    readonly Linear head;
#pragma warning restore IDE1006

    public LmuForecaster(int features, int window, int horizon, int order, int hidden) : base(nameof(LmuForecaster))
    {
        lmu = new Lmu(new LmuOptions(features, order, window)
            { Hidden = HiddenCell.Linear, HiddenSize = hidden, HiddenActivation = Activation.Tanh, InputToHidden = true, UseBias = true }, LmuMode.Final);
        head = nn.Linear(hidden, horizon);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => head.forward(lmu.forward(input, null).Output);

    /// <summary>The model for the streaming runtime: the LMU, then the dense head.</summary>
    public ModelExport ToExport(int features) => new ModelExport(features).Add(lmu).AddDense(head);
}

/// <summary>The LSTM baseline: one LSTM layer read at the window's last step, then a dense layer to the H steps.</summary>
sealed class LstmForecaster : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the state_dict prefixes
    readonly LSTM lstm;
    readonly Linear head;
#pragma warning restore IDE1006

    public LstmForecaster(int features, int horizon, int hidden) : base(nameof(LstmForecaster))
    {
        lstm = nn.LSTM(features, hidden, batchFirst: true);
        head = nn.Linear(hidden, horizon);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var (output, _, _) = lstm.forward(input);
        return head.forward(output.select(1, -1));
    }

    /// <summary>
    /// The LSTM hidden size whose parameter count comes nearest <paramref name="parameters"/>: an LSTM of size h
    /// has 4h(F + h + 2) weights and biases (TorchSharp keeps two bias vectors), its head h·H + H.
    /// </summary>
    public static int HiddenFor(long parameters, int features, int horizon) =>
        Enumerable.Range(1, 1024).MinBy(h => Math.Abs(4L * h * (features + h + 2) + (long)h * horizon + horizon - parameters));
}
