using LmuSharp.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary><see cref="FastDropout"/>: the inverted-dropout contract of nn.Dropout, and repeatable under torch.manual_seed.</summary>
public class FastDropoutTests
{
    [Theory]
    [InlineData(0.2)]
    [InlineData(0.5)]
    public void Zeroes_a_share_p_and_scales_the_rest_by_one_over_one_minus_p(double p)
    {
        using var dropout = new FastDropout(p);
        dropout.train();
        var x = ones(400, 501);
        var y = dropout.forward(x);
        double zeroShare = y.eq(0).to(ScalarType.Float64).mean().item<double>();
        Assert.InRange(zeroShare, p - 0.005, p + 0.005); // 200,400 draws: σ ≈ 0.001
        Assert.InRange(y.max().item<float>(), 1 / (1 - p) - 1e-5, 1 / (1 - p) + 1e-5);
        Assert.Equal(0f, y.where(y.ne(0), 1 / (float)(1 - p)).sub(1 / (float)(1 - p)).abs().max().item<float>(), 5);
        // Neighbouring elements (the two halves of one 64-bit draw) are independent: P(both zero) = p².
        var pairs = y.view(-1, 2).eq(0).all(1).to(ScalarType.Float64).mean().item<double>();
        Assert.InRange(pairs, p * p - 0.006, p * p + 0.006);
    }

    [Fact]
    public void The_gradient_is_the_mask_and_evaluation_is_the_identity()
    {
        using var dropout = new FastDropout(0.3);
        var x = randn(7, 33).requires_grad_();
        var y = dropout.forward(x);
        y.sum().backward();
        Assert.True(y.detach().eq(x.detach() * x.grad!).all().item<bool>()); // ∂y/∂x is the mask that made y
        dropout.eval();
        Assert.True(dropout.forward(x).eq(x).all().item<bool>());
    }

    [Fact]
    public void Masks_repeat_under_the_same_seed_and_differ_from_call_to_call()
    {
        using var dropout = new FastDropout(0.5);
        var x = ones(10, 11);
        manual_seed(4);
        var (a, b) = (dropout.forward(x), dropout.forward(x));
        manual_seed(4);
        var c = dropout.forward(x);
        Assert.True(a.eq(c).all().item<bool>());
        Assert.False(a.eq(b).all().item<bool>());
        Assert.Equal(ScalarType.Float64, dropout.forward(ones(3, 3, ScalarType.Float64)).dtype);
    }

    [Fact]
    public void A_probability_outside_zero_to_one_is_refused_by_name()
    {
        Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => new FastDropout(1)).ParamName);
        Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => new FastDropout(double.NaN)).ParamName);
    }
}
