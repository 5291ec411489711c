using TorchSharp;
using static LmuSharp.Torch.Tests.LmuTestKit;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>
/// <see cref="Lmu.PrecomputeInput"/> + <see cref="Lmu.ForwardPrecomputed"/> against the layer's own Final forward
/// (itself tested against the recurrence): outputs, the final memory and the gradient of every parameter, over the
/// options the split must carry (input and memory widths, bias, hidden cell and its input, lengths, go_backwards,
/// input dropout); then a few Adam steps on both paths end at the same weights.
/// </summary>
public class PrecomputedInputTests
{
    /// <summary>One configuration of the layer.</summary>
    public sealed record Case(int InputSize, int MemoryD, bool Bias, HiddenCell Hidden, bool InputToHidden, bool Lengths, bool Backwards, double Dropout)
    {
        /// <inheritdoc/>
        public override string ToString() =>
            $"in={InputSize} memoryD={MemoryD} bias={Bias} {Hidden} inputToHidden={InputToHidden} lengths={Lengths} backwards={Backwards} dropout={Dropout}";
    }

    public static TheoryData<Case> Cases() => new()
    {
        new(1, 1, true, HiddenCell.Linear, false, false, false, 0),   // the psMNIST model's layer
        new(1, 1, false, HiddenCell.None, false, false, false, 0),
        new(3, 2, true, HiddenCell.Linear, true, true, false, 0),
        new(3, 2, true, HiddenCell.None, false, true, true, 0),
        new(2, 3, false, HiddenCell.Linear, true, false, true, 0),
        new(3, 2, true, HiddenCell.Linear, true, true, true, 0.4),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Precomputed_forward_equals_the_forward_in_values_and_gradients(Case c)
    {
        manual_seed(3);
        using var layer = new Lmu(Options(c), LmuMode.Final);
        layer.to(ScalarType.Float64).train(c.Dropout > 0);
        using (no_grad()) foreach (var p in layer.parameters()) p.normal_(); // the encoder's bias starts at zero: make every term count
        Assert.True(layer.CanPrecomputeInput);
        var x = Randn(ScalarType.Float64, 5, 17, c.InputSize);
        using var lengths = c.Lengths ? tensor(new long[] { 17, 1, 9, 16, 2 }) : null;

        manual_seed(11); // the same dropout mask for both paths
        var (y, state) = layer.forward(x, null, lengths);
        var features = layer.PrecomputeInput(x, lengths);
        Assert.False(features.requires_grad);
        manual_seed(11);
        var (yPre, statePre) = layer.ForwardPrecomputed(features);

        Assert.InRange(MaxAbs(y, yPre), 0, 1e-12);
        Assert.InRange(MaxAbs(state.Memory, statePre.Memory), 0, 1e-12);
        var parameters = layer.parameters().Cast<Tensor>().ToList();
        var grads = Gradients(y, state.Memory, parameters);
        var gradsPre = Gradients(yPre, statePre.Memory, parameters);
        for (int i = 0; i < grads.Length; i++)
            Assert.True(MaxAbs(grads[i], gradsPre[i]) <= 1e-11, $"∂L/∂{layer.named_parameters().ElementAt(i).name} differs by {MaxAbs(grads[i], gradsPre[i])}");
    }

    [Fact]
    public void Adam_steps_on_precomputed_rows_reach_the_same_weights()
    {
        var options = new LmuOptions(1, 16, 30) { Hidden = HiddenCell.Linear, HiddenSize = 8, HiddenActivation = Activation.Relu, UseBias = true };
        var x = Randn(ScalarType.Float64, 24, 30, 1);
        var labels = randint(0, 3, [24]);
        Tensor[] Train(bool precomputed)
        {
            manual_seed(5);
            var layer = new Lmu(options, LmuMode.Final);
            var head = nn.Linear(8, 3);
            layer.to(ScalarType.Float64);
            head.to(ScalarType.Float64);
            var adam = optim.Adam(layer.parameters().Concat(head.parameters()), 0.01);
            var input = precomputed ? layer.PrecomputeInput(x) : x;
            for (int step = 0; step < 6; step++)
            {
                var rows = arange(step * 4, step * 4 + 4);
                adam.zero_grad();
                var o = precomputed ? layer.ForwardPrecomputed(input[rows]).Output : layer.forward(input[rows], null).Output;
                nn.functional.cross_entropy(head.forward(o), labels[rows]).backward();
                adam.step();
            }
            return [.. layer.parameters().Concat(head.parameters()).Select(p => p.detach().clone())];
        }
        var general = Train(false);
        var fast = Train(true);
        for (int i = 0; i < general.Length; i++) Assert.InRange(MaxAbs(general[i], fast[i]), 0, 1e-10);
    }

    [Fact]
    public void Many_rows_are_processed_in_blocks_with_the_same_result()
    {
        using var layer = new Lmu(new LmuOptions(1, 8, 6) { UseBias = true }, LmuMode.Final);
        var x = randn(4100, 6, 1);
        var all = layer.PrecomputeInput(x);
        var last = layer.PrecomputeInput(x[4090..]);
        Assert.Equal([4100L, 16], all.shape);
        Assert.InRange(MaxAbs(all[4090..], last), 0, 1e-6);
    }

    [Fact]
    public void Layers_whose_memory_is_trained_or_that_are_not_final_cannot_precompute()
    {
        var options = new LmuOptions(1, 4, 8) { Hidden = HiddenCell.Linear, HiddenSize = 3 };
        using var x = randn(2, 8, 1);
        foreach (var (o, mode) in new[] { (options with { TrainableTheta = true }, LmuMode.Final), (options with { TrainableAB = true }, LmuMode.Auto),
                     (options, LmuMode.Fft), (options, LmuMode.Sequential), (options with { HiddenToMemory = true }, LmuMode.Auto) })
        {
            using var layer = new Lmu(o, mode);
            Assert.False(layer.CanPrecomputeInput);
            Assert.Contains("Final", Assert.Throws<InvalidOperationException>(() => layer.PrecomputeInput(x)).Message);
        }
    }

    [Fact]
    public void Features_of_the_wrong_shape_or_dtype_are_refused_by_name()
    {
        using var layer = new Lmu(new LmuOptions(2, 4, 8) { Hidden = HiddenCell.Linear, HiddenSize = 3, InputToHidden = true });
        var error = Assert.Throws<ArgumentException>(() => layer.ForwardPrecomputed(zeros(3, 12)));
        Assert.Equal("features", error.ParamName);
        Assert.Contains("[batch, 14]", error.Message);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => layer.ForwardPrecomputed(zeros(3, 14, ScalarType.Float64))).ParamName);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => layer.PrecomputeInput(zeros(3, 8, 1))).ParamName);
    }

    static LmuOptions Options(Case c) => new(c.InputSize, 6, 12)
    {
        MemoryD = c.MemoryD,
        UseBias = c.Bias,
        Hidden = c.Hidden,
        HiddenSize = c.Hidden == HiddenCell.None ? 0 : 4,
        HiddenActivation = Activation.Relu,
        InputToHidden = c.InputToHidden,
        GoBackwards = c.Backwards,
        Dropout = c.Dropout,
    };

    /// <summary>∂L/∂parameters for L = Σ y ⊙ w + Σ M_T ⊙ v with fixed random weights.</summary>
    static Tensor[] Gradients(Tensor y, Tensor memory, List<Tensor> parameters)
    {
        var generator = new Generator(99);
        var loss = (y * randn(y.shape, y.dtype, generator: generator)).sum() + (memory * randn(memory.shape, memory.dtype, generator: generator)).sum();
        return [.. autograd.grad([loss], parameters, retain_graph: true, allow_unused: true)
            .Select((g, i) => g is null || g.IsInvalid ? zeros_like(parameters[i]) : g)];
    }
}
