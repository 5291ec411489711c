using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// One direction of one QRNN layer with fo-pooling (Bradbury et al. 2017). A causal convolution of width k over the
/// layer's input gives, per step, from the window w_t = [x_{t−k+1}; …; x_t] (oldest first):
/// <code>
/// [ẑ_t; f̂_t; ô_t] = W w_t + b             (gates.weight [3H, k·input], rows z, f, o)
/// z_t = tanh(ẑ_t),  f_t = σ(f̂_t),  o_t = σ(ô_t)
/// c_t = f_t ⊙ c_{t−1} + (1 − f_t) ⊙ z_t    (one linear-recurrence scan over the sequence)
/// h_t = o_t ⊙ c_t
/// </code>
/// State: c [batch, H] and the last k − 1 inputs [batch, k − 1, input] (zeros before the stream starts).
/// </summary>
internal sealed class QrnnCell : ScanCell
{
    // Field names are the state-dict names.
    private readonly Linear gates;
    readonly int _input, _hidden, _window;

    public QrnnCell(int input, int hidden, int window) : base(nameof(QrnnCell))
    {
        (_input, _hidden, _window) = (input, hidden, window);
        gates = nn.Linear((long)window * input, 3L * hidden);
        RegisterComponents();
    }

    public override Tensor[] ZeroState(long batch, Tensor like) =>
        [zeros(batch, _hidden, like.dtype, like.device), zeros(batch, _window - 1, _input, like.dtype, like.device)];

    public override (Tensor Output, Tensor[] State) Sequence(Tensor x, Tensor[] state)
    {
        long time = x.shape[1];
        var padded = cat([state[1], x], 1);                                            // [N, k − 1 + T, input]
        var windows = padded.unfold(1, _window, 1).transpose(2, 3).flatten(2);       // [N, T, k·input], oldest first
        var (z, f, o) = Gates(windows);
        var c = LinearRecurrence.apply((1 - f) * z, f, state[0]);
        return (o * c, [c.select(1, -1), padded[.., (int)time..]]);
    }

    public override (Tensor Output, Tensor[] State) Step(Tensor x, Tensor[] state)
    {
        var window = cat([state[1], x.unsqueeze(1)], 1);                              // [N, k, input]
        var (z, f, o) = Gates(window.flatten(1));
        var c = f * state[0] + (1 - f) * z;
        return (o * c, [c, window[.., 1..]]);
    }

    (Tensor Z, Tensor F, Tensor O) Gates(Tensor windows)
    {
        var g = gates.forward(windows).chunk(3, -1);
        return (g[0].tanh(), g[1].sigmoid(), g[2].sigmoid());
    }
}
