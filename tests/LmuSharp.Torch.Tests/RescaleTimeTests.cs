using LmuSharp.Torch.Recurrence;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>
/// <c>rescale_time(k)</c> slows a layer down k-fold where its gates hold a long memory: the slowed layer run on each
/// input repeated k times must follow the original layer run on the inputs, and the unchanged layer must not.
/// </summary>
public class RescaleTimeTests(ITestOutputHelper output)
{
    const int Steps = 60, Factor = 4;

    /// <summary>Small weights and retaining gates (leaks of 0.25–2%), so that the biases set the time scale.</summary>
    static GilrLstm LongMemoryLayer()
    {
        manual_seed(41);
        var layer = new GilrLstm(3, 5);
        layer.to(ScalarType.Float64);
        using var _ = no_grad();
        foreach (var (name, p) in layer.named_parameters())
        {
            if (name.EndsWith("weight")) p.mul_(0.05);
            else p.uniform_(-1, 1);
        }
        var sd = layer.state_dict();
        sd["gilr.gate.bias"].uniform_(4, 6);
        sd["input_gates.bias"].narrow(0, 0, 5).uniform_(4, 6);   // f: 1 − f ≈ e^{−q}
        sd["input_gates.bias"].narrow(0, 5, 5).uniform_(-6, -4); // i ≈ e^{q}
        return layer;
    }

    static double RelativeError(Tensor actual, Tensor expected) => ((actual - expected).norm() / expected.norm()).item<double>();

    [Fact]
    public void The_slowed_GILR_LSTM_on_repeated_inputs_follows_the_original()
    {
        var layer = LongMemoryLayer();
        var x = randn([2, Steps, 3], dtype: ScalarType.Float64);
        var repeated = x.repeat_interleave(Factor, 1);
        var (_, original) = layer.call(x, null);
        var (_, unscaled) = layer.call(repeated, null);
        layer.rescale_time(Factor);
        var (_, slowed) = layer.call(repeated, null);

        double cell = RelativeError(slowed.Cell, original.Cell), gilr = RelativeError(slowed.Gilr, original.Gilr);
        double unscaledCell = RelativeError(unscaled.Cell, original.Cell), unscaledGilr = RelativeError(unscaled.Gilr, original.Gilr);
        output.WriteLine($"relative error of the final state, slowed: cell {cell:G3}, GILR {gilr:G3}; unchanged: cell {unscaledCell:G3}, GILR {unscaledGilr:G3}");
        // First order in the leak (≤ 2% a step) and in i (≤ 2%): the slowed layer agrees to a few percent,
        // while the unchanged one integrates k times as much input.
        Assert.True(cell < 0.05 && gilr < 0.05, $"slowed: cell {cell}, GILR {gilr}");
        Assert.True(unscaledCell > 1 && unscaledGilr > 0.5, $"unchanged: cell {unscaledCell}, GILR {unscaledGilr}");
    }

    [Fact]
    public void Rescaling_shifts_the_retention_and_input_biases_by_the_log_of_the_factor_and_back()
    {
        var layer = LongMemoryLayer();
        var before = layer.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        layer.rescale_time(8);
        var after = layer.state_dict();
        var shift = Math.Log(8);
        Assert.True((after["gilr.gate.bias"] - before["gilr.gate.bias"]).allclose(full(5, shift, ScalarType.Float64)));
        var bias = after["input_gates.bias"] - before["input_gates.bias"];
        Assert.True(bias.narrow(0, 0, 5).allclose(full(5, shift, ScalarType.Float64)), "forget gate");
        Assert.True(bias.narrow(0, 5, 5).allclose(full(5, -shift, ScalarType.Float64)), "input gate");
        Assert.True(bias.narrow(0, 10, 10).eq(0).all().item<bool>(), "o and z untouched");
        foreach (var name in new[] { "gilr.gate.weight", "gilr.candidate.bias", "input_gates.weight", "gilr_gates.weight" })
            Assert.True(after[name].eq(before[name]).all().item<bool>(), name);
        layer.rescale_time(1.0 / 8);
        foreach (var (name, value) in layer.state_dict())
            Assert.True(value.allclose(before[name], rtol: 0, atol: 1e-14), name);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_factor_that_is_not_a_positive_finite_ratio_is_refused(double factor)
    {
        var layer = new GilrLstm(3, 4);
        Assert.Equal("factor", Assert.Throws<ArgumentOutOfRangeException>(() => layer.rescale_time(factor)).ParamName);
        Assert.Equal("factor", Assert.Throws<ArgumentOutOfRangeException>(() => new Gilr(3, 4).rescale_time(factor)).ParamName);
    }
}
