using TorchSharp.Modules;

namespace LmuSharp.Cli.Forecasting;

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
