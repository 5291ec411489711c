namespace LmuSharp.Cli.Tasks.Kws;

/// <summary>
/// Straight-through fake quantisation to symmetric int8 (Jacob et al. 2018; Bengio et al. 2013): the forward
/// pass sees q·s with q = clamp(round(x / s), −127, 127), the backward pass the identity (x + (q·s − x).detach()).
/// Rounding is half-to-even, as in the runtime's Math.Round.
/// </summary>
static class FakeQuant
{
    public const int Levels = 127;

    /// <summary>Per-output-channel scales of a weight [out, in]: s_o = max_i |W_oi| / 127 (no gradient).</summary>
    public static Tensor ChannelScales(Tensor weight)
    {
        using var _ = no_grad();
        return weight.abs().amax([1], keepdim: true).clamp_min(1e-8) / Levels;
    }

    /// <summary>The weight fake-quantised with per-channel scales.</summary>
    public static Tensor Weight(Tensor weight) => Apply(weight, ChannelScales(weight));

    /// <summary>x fake-quantised with scale s (a tensor broadcasting against x), straight-through.</summary>
    public static Tensor Apply(Tensor x, Tensor scale)
    {
        using var scope = NewDisposeScope();
        var quantised = (x / scale).round().clamp(-Levels, Levels) * scale;
        return (x + (quantised - x).detach()).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The 8-bit scale of one activation: in training a running estimate of max |x| (exponential moving average
/// over batches, momentum 0.9), s = max / 127; frozen in evaluation. The scale is a buffer, so checkpoints keep it.
/// </summary>
sealed class ActivationQuant : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // field names are the state_dict names
    readonly Tensor range;
#pragma warning restore IDE1006

    public ActivationQuant(string name) : base(name)
    {
        range = torch.zeros(1);
        register_buffer("range", range);
    }

    /// <summary>The scale s = max / 127.</summary>
    public float Scale => range.item<float>() / FakeQuant.Levels;

    public override Tensor forward(Tensor x)
    {
        if (training)
        {
            using var _ = no_grad();
            using var max = x.detach().abs().max();
            if (range.item<float>() == 0) range.copy_(max.reshape(1));
            else range.mul_(0.9).add_(max.reshape(1) * 0.1);
        }
        using var scale = range.clamp_min(1e-8) / FakeQuant.Levels;
        return FakeQuant.Apply(x, scale);
    }
}
