using LmuSharp.Torch.Recurrence;
using TorchSharp;
using static LmuSharp.Torch.Tests.RecurrenceReference;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

public class GilrTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sequence_forward_equals_the_step_loop(bool withState)
    {
        manual_seed(21);
        var layer = new Gilr(5, 7);
        layer.to(ScalarType.Float64);
        var x = randn([3, 11, 5], dtype: ScalarType.Float64);
        var h0 = withState ? randn([3, 7], dtype: ScalarType.Float64) : null;
        var (output, final) = layer.call(x, h0);

        var state = h0;
        for (int t = 0; t < 11; t++)
        {
            var (h, next) = layer.step(x.select(1, t), state);
            Assert.True(h.allclose(output.select(1, t), rtol: 1e-12, atol: 1e-14), $"step {t}");
            state = next;
        }
        Assert.True(final.allclose(state!, rtol: 1e-12, atol: 1e-14));
    }

    [Fact]
    public void Forward_follows_the_published_equations_from_its_own_weights()
    {
        manual_seed(22);
        var layer = new Gilr(4, 6);
        layer.to(ScalarType.Float64);
        var x = randn([2, 9, 4], dtype: ScalarType.Float64);
        var h0 = randn([2, 6], dtype: ScalarType.Float64);
        var p = layer.state_dict();
        // g = σ(W_g x + b_g), i = tanh(W_i x + b_i), h_t = g h_{t-1} + (1 − g) i, by the plain loop.
        var g = (x.matmul(p["gate.weight"].t()) + p["gate.bias"]).sigmoid();
        var i = (x.matmul(p["candidate.weight"].t()) + p["candidate.bias"]).tanh();
        var expected = Scan(Values<double>((1 - g) * i), 2, 9, 6, Values<double>(g), [2, 9, 6], Values<double>(h0), false);
        var (output, _) = layer.call(x, h0);
        Assert.True(RelativeError<double>(Values<double>(output), expected) <= 1e-14);
    }

    [Fact]
    public void State_dict_names_and_shapes_are_stable()
    {
        var layer = new Gilr(new GilrOptions(inputSize: 3, hiddenSize: 8));
        var shapes = layer.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(new Dictionary<string, long[]>
        {
            ["gate.weight"] = [8, 3], ["gate.bias"] = [8], ["candidate.weight"] = [8, 3], ["candidate.bias"] = [8],
        }, shapes);
        Assert.Equal(3, layer.Options.InputSize);
        Assert.Equal(8, layer.Options.HiddenSize);
    }

    [Fact]
    public void Chrono_init_spreads_gate_retention_over_the_requested_range()
    {
        manual_seed(23);
        var layer = new Gilr(2, 1000);
        layer.chrono_init(500);
        var retention = Values<float>(1 / (1 - layer.state_dict()["gate.bias"].sigmoid()));
        Assert.All(retention, r => Assert.InRange(r, 1.99f, 500.5f));
        Assert.True(retention.Max() > 400 && retention.Min() < 20, "retention times should cover the range");
        Assert.Throws<ArgumentOutOfRangeException>(() => layer.chrono_init(2));
    }

    [Fact]
    public void Bad_arguments_are_rejected_with_the_argument_named()
    {
        Assert.Equal("inputSize", Assert.Throws<ArgumentOutOfRangeException>(() => new Gilr(0, 4)).ParamName);
        Assert.Equal("hiddenSize", Assert.Throws<ArgumentOutOfRangeException>(() => new Gilr(3, -1)).ParamName);
        var layer = new Gilr(3, 4);
        var e = Assert.Throws<ArgumentException>(() => layer.call(zeros(2, 5, 4), null));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("[batch, time, 3]", e.Message);
        Assert.Equal("state", Assert.Throws<ArgumentException>(() => layer.call(zeros(2, 5, 3), zeros(2, 5))).ParamName);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => layer.step(zeros(2, 5, 3), null)).ParamName);
    }
}
