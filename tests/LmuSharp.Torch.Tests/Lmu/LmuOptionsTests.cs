using LmuSharp.Memory;
using TorchSharp;
using static LmuSharp.Torch.Tests.LmuTestKit;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>Options, bad input, state_dict names, save/load and dropout.</summary>
public class LmuOptionsTests
{
    static readonly LmuOptions Full = new(3, 5, 12)
    {
        MemoryD = 2, Hidden = HiddenCell.Lstm, HiddenSize = 4, HiddenToMemory = true, MemoryToMemory = true,
        InputToHidden = true, UseBias = true, TrainableTheta = true, TrainableAB = true, Discretizer = Discretizer.Bilinear,
        Dropout = 0.25, RecurrentDropout = 0.5, ReturnSequences = true, GoBackwards = true,
    };

    [Fact]
    public void Name_values_round_trip_every_option()
    {
        var pairs = Full.ToNameValues();
        Assert.Equal(pairs.Count, pairs.Select(p => p.Key).Distinct().Count());
        Assert.Equal(Full, LmuOptions.FromNameValues(pairs));
        Assert.Equal(Full with { Theta = 0.1 }, LmuOptions.FromNameValues((Full with { Theta = 0.1 }).ToNameValues()));
    }

    [Fact]
    public void State_dict_names_are_the_documented_ones()
    {
        using var layer = new Lmu(Full);
        string[] expected =
        [
            "cell.input_encoder.weight", "cell.input_encoder.bias", "cell.hidden_encoder.weight", "cell.memory_encoder.weight",
            "cell.hidden.weight_ih", "cell.hidden.bias_ih", "cell.hidden.weight_hh", "cell.hidden.bias_hh",
            "cell.theta_inv", "cell.A", "cell.B",
        ];
        Assert.Equal(expected.Order(), layer.state_dict().Keys.Order());
        using var parallel = new Lmu(new LmuOptions(1, 4, 8) { Hidden = HiddenCell.Linear, HiddenSize = 3, UseBias = true });
        Assert.Equal(new[] { "cell.hidden.bias", "cell.hidden.weight", "cell.input_encoder.bias", "cell.input_encoder.weight" },
            parallel.state_dict().Keys.Order());
    }

    public static TheoryData<LmuOptions> Configurations() => new()
    {
        Full,
        ParallelOptions(false) with { TrainableTheta = true },
        new LmuOptions(2, 4, 6) { Hidden = HiddenCell.Gru, HiddenSize = 3, HiddenToMemory = true },
        new LmuOptions(2, 4, 6) { Hidden = HiddenCell.Rnn, HiddenSize = 3, HiddenActivation = Activation.Relu, MemoryToMemory = true, TrainableAB = true },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Save_and_load_round_trip_including_trained_theta(LmuOptions options)
    {
        manual_seed(31);
        using var layer = new Lmu(options);
        layer.to(ScalarType.Float64).eval();
        if (options.TrainableTheta)
            using (no_grad()) layer.state_dict()["cell.theta_inv"].mul_(1.7); // as if θ had been trained
        var path = Path.Combine(Path.GetTempPath(), $"lmu-{Guid.NewGuid():N}.dat");
        try
        {
            layer.save(path);
            using var loaded = new Lmu(options);
            loaded.to(ScalarType.Float64).eval();
            loaded.load(path);
            Assert.Equal(layer.Cell.Theta, loaded.Cell.Theta);
            using var x = Randn(ScalarType.Float64, 2, 9, options.InputSize);
            Assert.Equal(0, MaxAbs(layer.forward(x, null).Output, loaded.forward(x, null).Output));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Dropout_is_random_in_training_repeatable_by_seed_and_absent_in_evaluation()
    {
        var options = ParallelOptions(true) with { Dropout = 0.5 };
        using var layer = new Lmu(options);
        layer.to(ScalarType.Float64).train();
        using var x = Randn(ScalarType.Float64, 4, 20, 3);
        manual_seed(7);
        var a = layer.forward(x, null).Output;
        var b = layer.forward(x, null).Output;
        manual_seed(7);
        var c = layer.forward(x, null).Output;
        Assert.True(MaxAbs(a, b) > 1e-3);
        Assert.Equal(0, MaxAbs(a, c));
        // the sequential form draws the same per-sequence masks: same seed, same output
        using var seq = SequentialCopy(layer, options, ScalarType.Float64);
        seq.train();
        manual_seed(7);
        Assert.InRange(MaxAbs(a, seq.forward(x, null).Output), 0, 1e-10);

        layer.eval();
        using var plain = new Lmu(options with { Dropout = 0 });
        plain.to(ScalarType.Float64).eval();
        plain.load_state_dict(layer.state_dict());
        Assert.Equal(0, MaxAbs(layer.forward(x, null).Output, plain.forward(x, null).Output));
    }

    [Fact]
    public void Recurrent_dropout_changes_the_recurrence_only_in_training()
    {
        var options = new LmuOptions(2, 4, 6) { Hidden = HiddenCell.Rnn, HiddenSize = 3, HiddenToMemory = true, MemoryToMemory = true, RecurrentDropout = 0.5 };
        using var layer = new Lmu(options);
        using var x = randn(3, 10, 2);
        layer.train();
        var a = layer.forward(x, null).Output;
        var b = layer.forward(x, null).Output;
        Assert.True(MaxAbs(a, b) > 1e-4);
        layer.eval();
        Assert.Equal(0, MaxAbs(layer.forward(x, null).Output, layer.forward(x, null).Output));
    }

    public static TheoryData<string, Func<LmuOptions>> BadOptions() => new()
    {
        { "hiddenToMemory", () => new LmuOptions(1, 4, 8) { HiddenToMemory = true }.Validate() },
        { "hiddenSize", () => new LmuOptions(1, 4, 8) { Hidden = HiddenCell.Linear }.Validate() },
        { "order", () => new LmuOptions(1, 0, 8).Validate() },
        { "theta", () => new LmuOptions(1, 4, double.NaN).Validate() },
        { "memoryD", () => new LmuOptions(1, 4, 8) { MemoryD = 0 }.Validate() },
        { "dropout", () => new LmuOptions(1, 4, 8) { Dropout = 1 }.Validate() },
        { "recurrentDropout", () => new LmuOptions(1, 4, 8) { RecurrentDropout = 0.1 }.Validate() },
        { "discretizer", () => new LmuOptions(1, 64, 10) { Discretizer = Discretizer.Euler }.Validate() },
        { "hiddenActivation", () => new LmuOptions(1, 4, 8) { Hidden = HiddenCell.Rnn, HiddenSize = 2, HiddenActivation = Activation.Gelu }.Validate() },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Inconsistent_options_name_the_option(string parameter, Func<LmuOptions> make) =>
        Assert.Equal(parameter, Assert.ThrowsAny<ArgumentException>(() => make()).ParamName);

    public static TheoryData<string, Func<Tensor>, Func<Tensor?>> BadInputs() => new()
    {
        { "input", () => zeros(2, 3), () => null },
        { "input", () => zeros(2, 5, 4), () => null },
        { "input", () => zeros(2, 5, 3, dtype: ScalarType.Float64), () => null },
        { "lengths", () => zeros(2, 5, 3), () => tensor(new long[] { 3, -1 }) },
        { "lengths", () => zeros(2, 5, 3), () => tensor(new long[] { 6, 2 }) },
        { "lengths", () => zeros(2, 5, 3), () => tensor(new long[] { 3 }) },
        { "lengths", () => zeros(2, 5, 3), () => tensor(new float[] { 3, 2 }) },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_names_the_argument(string parameter, Func<Tensor> input, Func<Tensor?> lengths)
    {
        using var parallel = new Lmu(ParallelOptions(true));
        using var sequential = new Lmu(ParallelOptions(true), LmuMode.Sequential);
        Assert.Equal(parameter, Assert.Throws<ArgumentException>(() => parallel.forward(input(), null, lengths())).ParamName);
        Assert.Equal(parameter, Assert.Throws<ArgumentException>(() => sequential.forward(input(), null, lengths())).ParamName);
    }

    [Fact]
    public void Bad_state_and_step_input_name_the_argument()
    {
        using var layer = new Lmu(new LmuOptions(3, 4, 8) { Hidden = HiddenCell.Lstm, HiddenSize = 2 });
        var wrongMemory = new LmuState(zeros(2, 1, 5), zeros(2, 2), zeros(2, 2));
        Assert.Equal("state.Memory", Assert.Throws<ArgumentException>(() => layer.forward(zeros(2, 5, 3), wrongMemory)).ParamName);
        var noCell = new LmuState(zeros(2, 1, 4), zeros(2, 2));
        Assert.Equal("state", Assert.Throws<ArgumentException>(() => layer.forward(zeros(2, 5, 3), noCell)).ParamName);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => layer.step(zeros(2, 5, 3), null)).ParamName);
    }
}
