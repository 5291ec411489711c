using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// One direction of one SRU layer (Lei et al. 2018). From the layer's input x_t:
/// <code>
/// [x̃_t; f̂_t; r̂_t] = W x_t + b            (gates.weight [3H, input], rows x̃, f, r)
/// f_t = σ(f̂_t),  r_t = σ(r̂_t)
/// c_t = f_t ⊙ c_{t−1} + (1 − f_t) ⊙ x̃_t    (one linear-recurrence scan over the sequence)
/// h_t = r_t ⊙ tanh(c_t) + (1 − r_t) ⊙ s_t  (highway: s_t = x_t when input = H, else W_s x_t, skip.weight [H, input])
/// </code>
/// State: c [batch, H].
/// </summary>
internal sealed class SruCell : ScanCell
{
    // Field names are the state-dict names.
    private readonly Linear gates;
    private readonly Linear? skip;
    readonly int _hidden;

    public SruCell(int input, int hidden) : base(nameof(SruCell))
    {
        _hidden = hidden;
        gates = nn.Linear(input, 3L * hidden);
        if (input != hidden) skip = nn.Linear(input, hidden, hasBias: false);
        RegisterComponents();
    }

    public override Tensor[] ZeroState(long batch, Tensor like) => [zeros(batch, _hidden, like.dtype, like.device)];

    public override (Tensor Output, Tensor[] State) Sequence(Tensor x, Tensor[] state)
    {
        var (candidate, f, r) = Gates(x);
        var c = LinearRecurrence.apply((1 - f) * candidate, f, state[0]);
        return (Highway(c, r, x), [c.select(1, -1)]);
    }

    public override (Tensor Output, Tensor[] State) Step(Tensor x, Tensor[] state)
    {
        var (candidate, f, r) = Gates(x);
        var c = f * state[0] + (1 - f) * candidate;
        return (Highway(c, r, x), [c]);
    }

    (Tensor Candidate, Tensor F, Tensor R) Gates(Tensor x)
    {
        var g = gates.forward(x).chunk(3, -1);
        return (g[0], g[1].sigmoid(), g[2].sigmoid());
    }

    Tensor Highway(Tensor c, Tensor r, Tensor x) => r * c.tanh() + (1 - r) * (skip is null ? x : skip.forward(x));
}
