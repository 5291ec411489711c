using LmuSharp.Torch.Recurrence;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

public class GilrLstmTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sequence_forward_equals_the_step_loop(bool withState)
    {
        manual_seed(31);
        var layer = new GilrLstm(5, 6);
        layer.to(ScalarType.Float64);
        var x = randn([3, 13, 5], dtype: ScalarType.Float64);
        GilrLstmState? state = withState ? new(randn([3, 6], dtype: ScalarType.Float64), randn([3, 6], dtype: ScalarType.Float64)) : null;
        var (output, final) = layer.call(x, state);

        for (int t = 0; t < 13; t++)
        {
            var (h, next) = layer.step(x.select(1, t), state);
            Assert.True(h.allclose(output.select(1, t), rtol: 1e-12, atol: 1e-14), $"step {t}");
            state = next;
        }
        Assert.True(final.Gilr.allclose(state!.Value.Gilr, rtol: 1e-12, atol: 1e-14));
        Assert.True(final.Cell.allclose(state!.Value.Cell, rtol: 1e-12, atol: 1e-14));
    }

    [Fact]
    public void Forward_follows_the_published_equations_from_its_own_weights()
    {
        manual_seed(32);
        const int hidden = 4;
        var layer = new GilrLstm(3, hidden);
        layer.to(ScalarType.Float64);
        var x = randn([2, 8, 3], dtype: ScalarType.Float64);
        var p = layer.state_dict();
        Tensor Affine(string name, Tensor v) => v.matmul(p[name + ".weight"].t()) + (p.TryGetValue(name + ".bias", out var b) ? b : 0);

        // Written out per step from docs/MATH.md §4, with h̃_{t-1} feeding the gates.
        var htilde = zeros(2, hidden, dtype: ScalarType.Float64);
        var c = zeros(2, hidden, dtype: ScalarType.Float64);
        var (output, _) = layer.call(x, null);
        for (int t = 0; t < 8; t++)
        {
            var xt = x.select(1, t);
            var pre = Affine("input_gates", xt) + Affine("gilr_gates", htilde);
            var (f, i, o, z) = (pre.narrow(1, 0, hidden).sigmoid(), pre.narrow(1, hidden, hidden).sigmoid(),
                pre.narrow(1, 2 * hidden, hidden).sigmoid(), pre.narrow(1, 3 * hidden, hidden).tanh());
            c = f * c + i * z;
            Assert.True((o * c).allclose(output.select(1, t), rtol: 1e-12, atol: 1e-14), $"step {t}");
            var g = Affine("gilr.gate", xt).sigmoid();
            htilde = g * htilde + (1 - g) * Affine("gilr.candidate", xt).tanh();
        }
    }

    [Fact]
    public void Parameter_gradients_through_the_scans_equal_those_through_the_step_loop()
    {
        manual_seed(33);
        var layer = new GilrLstm(4, 5);
        layer.to(ScalarType.Float64);
        var x = randn([2, 10, 4], dtype: ScalarType.Float64);
        var w = randn([2, 10, 5], dtype: ScalarType.Float64);

        (layer.call(x, null).Output * w).sum().backward();
        var viaScan = layer.named_parameters().ToDictionary(kv => kv.name, kv => kv.parameter.grad!.clone());
        layer.zero_grad();
        GilrLstmState? state = null;
        var loss = zeros(1, dtype: ScalarType.Float64);
        for (int t = 0; t < 10; t++)
        {
            var (h, next) = layer.step(x.select(1, t), state);
            loss += (h * w.select(1, t)).sum();
            state = next;
        }
        loss.backward();
        Assert.Equal(7, viaScan.Count);
        foreach (var (name, parameter) in layer.named_parameters())
            Assert.True(parameter.grad!.allclose(viaScan[name], rtol: 1e-10, atol: 1e-12), name);
    }

    [Fact]
    public void An_empty_sequence_returns_no_output_and_the_initial_state()
    {
        var layer = new GilrLstm(3, 4);
        var state = new GilrLstmState(randn(2, 4), randn(2, 4));
        var (output, final) = layer.call(zeros(2, 0, 3), state);
        Assert.Equal([2L, 0, 4], output.shape);
        Assert.True(final.Gilr.allclose(state.Gilr, rtol: 0, atol: 0));
        Assert.True(final.Cell.allclose(state.Cell, rtol: 0, atol: 0));
    }

    [Fact]
    public void State_dict_names_and_shapes_are_stable()
    {
        var layer = new GilrLstm(new GilrOptions(inputSize: 3, hiddenSize: 8));
        var shapes = layer.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        Assert.Equal(new Dictionary<string, long[]>
        {
            ["gilr.gate.weight"] = [8, 3], ["gilr.gate.bias"] = [8], ["gilr.candidate.weight"] = [8, 3], ["gilr.candidate.bias"] = [8],
            ["input_gates.weight"] = [32, 3], ["input_gates.bias"] = [32], ["gilr_gates.weight"] = [32, 8],
        }, shapes);
    }

    [Fact]
    public void Bad_arguments_are_rejected_with_the_argument_named()
    {
        Assert.Equal("hiddenSize", Assert.Throws<ArgumentOutOfRangeException>(() => new GilrLstm(3, 0)).ParamName);
        var layer = new GilrLstm(3, 4);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => layer.call(zeros(2, 5), null)).ParamName);
        var e = Assert.Throws<ArgumentException>(() => layer.call(zeros(2, 5, 3), new GilrLstmState(zeros(2, 4), zeros(3, 4))));
        Assert.Equal("state.Cell", e.ParamName);
        Assert.Contains("[2, 4]", e.Message);
    }
}
