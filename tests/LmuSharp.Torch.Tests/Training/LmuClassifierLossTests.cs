using LmuSharp.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static LmuSharp.Torch.Tests.LmuTestKit;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests.Training;

/// <summary>
/// <see cref="LmuClassifierLoss"/>: its fused node equals the composed modules (<see cref="Lmu.ForwardPrecomputed"/>,
/// <see cref="DenseHead"/>, cross-entropy) in the loss and every parameter's gradient, over the layer's options (input
/// and memory widths, encoder bias, input dropout) and the head's (dropouts, biases); its gradients match finite differences; Adam steps on both paths end at the same weights.
/// </summary>
public class LmuClassifierLossTests
{
    /// <summary>One configuration of the classifier.</summary>
    public sealed record Case(int InputSize, int MemoryD, bool EncoderBias, double InputDropout, double MemoryDropout, double Dropout, bool HeadBias, ScalarType Dtype)
    {
        /// <inheritdoc/>
        public override string ToString() =>
            $"in={InputSize} memoryD={MemoryD} encoderBias={EncoderBias} dropouts={InputDropout}/{MemoryDropout}/{Dropout} headBias={HeadBias} {Dtype}";
    }

    public static TheoryData<Case> Cases() => new()
    {
        new(1, 1, true, 0, 0.2, 0.5, true, ScalarType.Float32),    // the psMNIST model
        new(1, 1, true, 0, 0.2, 0.5, true, ScalarType.Float64),
        new(3, 2, true, 0.3, 0, 0.4, true, ScalarType.Float64),
        new(2, 3, false, 0, 0.3, 0, false, ScalarType.Float64),
        new(3, 2, false, 0.2, 0.2, 0.2, true, ScalarType.Float32),
        new(1, 2, true, 0, 0, 0, false, ScalarType.Float64),
    };

    /// <summary>The classifier's modules (shared with <see cref="LmuClassifierGradientsTests"/>).</summary>
    internal sealed class Classifier
    {
        public required Lmu Layer { get; init; }
        public FastDropout? MemoryDropout { get; init; }
        public required Linear Dense { get; init; }
        public FastDropout? Dropout { get; init; }
        public required Linear Output { get; init; }

        public LmuClassifierGradients Gradients() => new(Layer, MemoryDropout, Dense, Dropout, Output);

        public Tensor Fused(Tensor features, Tensor targets) => LmuClassifierLoss.CrossEntropy(Layer, features, MemoryDropout, Dense, Dropout, Output, targets);

        public Tensor Composed(Tensor features, Tensor targets) =>
            nn.functional.cross_entropy(DenseHead.Composed(Layer.ForwardPrecomputed(features).Output, MemoryDropout, Dense, Dropout, Output), targets);

        public List<(string Name, Tensor P)> Parameters() =>
        [
            .. Layer.named_parameters().Select(p => ("lmu." + p.name, (Tensor)p.parameter)),
            .. Dense.named_parameters().Select(p => ("dense." + p.name, (Tensor)p.parameter)),
            .. Output.named_parameters().Select(p => ("output." + p.name, (Tensor)p.parameter)),
        ];
    }

    internal static Classifier Build(Case c, int order = 12, int hidden = 9, int classes = 4)
    {
        manual_seed(3);
        var options = new LmuOptions(c.InputSize, order, 20) { MemoryD = c.MemoryD, UseBias = c.EncoderBias, Dropout = c.InputDropout };
        var model = new Classifier
        {
            Layer = new Lmu(options, LmuMode.Final),
            MemoryDropout = c.MemoryDropout > 0 ? new FastDropout(c.MemoryDropout) : null,
            Dense = nn.Linear(options.MemorySize, hidden, c.HeadBias, dtype: c.Dtype),
            Dropout = c.Dropout > 0 ? new FastDropout(c.Dropout) : null,
            Output = nn.Linear(hidden, classes, c.HeadBias, dtype: c.Dtype),
        };
        model.Layer.to(c.Dtype).train();
        model.MemoryDropout?.train();
        model.Dropout?.train();
        using (no_grad()) foreach (var p in model.Layer.parameters()) p.normal_(); // the encoder's bias starts at zero: make every term count
        return model;
    }

    static (double Loss, List<Tensor> Grads) Run(Classifier model, Tensor features, Tensor targets, Func<Tensor, Tensor, Tensor> loss)
    {
        foreach (var (_, p) in model.Parameters()) p.grad = null;
        manual_seed(9); // the same dropout masks on both paths
        var value = loss(features, targets);
        value.backward();
        return (value.to_type(ScalarType.Float64).item<double>(), [.. model.Parameters().Select(p => p.P.grad!.clone())]);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_fused_loss_equals_the_composed_modules_in_value_and_every_gradient(Case c)
    {
        var model = Build(c);
        var x = Randn(c.Dtype, 7, 20, c.InputSize);
        var features = model.Layer.PrecomputeInput(x);
        var targets = tensor(new long[] { 0, 3, 1, 2, 3, 0, 1 });
        double tolerance = c.Dtype == ScalarType.Float32 ? 2e-5 : 1e-12;
        var (composed, composedGrads) = Run(model, features, targets, model.Composed);
        var (fused, fusedGrads) = Run(model, features, targets, model.Fused);
        Assert.InRange(Math.Abs(fused - composed), 0, tolerance * Math.Max(1, Math.Abs(composed)));
        for (int i = 0; i < fusedGrads.Count; i++)
        {
            double scale = Math.Max(1, composedGrads[i].abs().max().to_type(ScalarType.Float64).item<double>());
            Assert.True(MaxAbs(fusedGrads[i], composedGrads[i]) <= tolerance * scale,
                $"∂L/∂{model.Parameters()[i].Name} differs by {MaxAbs(fusedGrads[i], composedGrads[i])}");
        }
    }

    [Fact]
    public void The_fused_gradients_match_finite_differences()
    {
        var model = Build(new Case(2, 2, true, 0.3, 0.3, 0.4, true, ScalarType.Float64), order: 6, hidden: 5, classes: 3);
        var features = model.Layer.PrecomputeInput(Randn(ScalarType.Float64, 5, 20, 2));
        var targets = tensor(new long[] { 2, 0, 1, 1, 2 });
        Tensor Loss()
        {
            manual_seed(9); // the same masks at every evaluation
            return model.Fused(features, targets);
        }
        FiniteDifferences.Check(Loss, model.Parameters());
    }

    [Fact]
    public void Adam_steps_on_the_fused_loss_reach_the_weights_of_the_composed_one()
    {
        var c = new Case(1, 1, true, 0, 0.2, 0.5, true, ScalarType.Float64);
        var x = Randn(ScalarType.Float64, 24, 20, 1);
        var labels = randint(0, 4, [24]);
        Tensor[] Train(bool fused)
        {
            var model = Build(c);
            var features = model.Layer.PrecomputeInput(x);
            var adam = optim.Adam(model.Layer.parameters().Concat(model.Dense.parameters()).Concat(model.Output.parameters()), 0.01);
            manual_seed(5);
            for (int step = 0; step < 6; step++)
            {
                var rows = arange(step * 4, step * 4 + 4);
                Fitting.Step(fused ? model.Fused : model.Composed, adam, features[rows], labels[rows]);
            }
            return [.. model.Parameters().Select(p => p.P.detach().clone())];
        }
        var composed = Train(false);
        var fused = Train(true);
        for (int i = 0; i < composed.Length; i++) Assert.InRange(MaxAbs(composed[i], fused[i]), 0, 1e-10);
    }

    [Fact]
    public void Without_gradients_or_in_evaluation_it_is_the_composed_loss()
    {
        var model = Build(new Case(1, 1, true, 0, 0.2, 0.5, true, ScalarType.Float32));
        var features = model.Layer.PrecomputeInput(randn(6, 20, 1));
        var targets = tensor(new long[] { 0, 1, 2, 3, 0, 1 });
        model.MemoryDropout!.eval();
        model.Dropout!.eval();
        var plain = nn.functional.cross_entropy(model.Output.forward(nn.functional.relu(model.Dense.forward(model.Layer.ForwardPrecomputed(features).Output))), targets);
        Assert.InRange(Math.Abs(model.Fused(features, targets).item<float>() - plain.item<float>()), 0, 1e-5);
        using (no_grad()) Assert.InRange(Math.Abs(model.Fused(features, targets).item<float>() - plain.item<float>()), 0, 1e-5);
    }

    [Fact]
    public void Strided_targets_give_the_loss_of_contiguous_ones()
    {
        var model = Build(new Case(1, 1, true, 0, 0, 0, true, ScalarType.Float64));
        var features = model.Layer.PrecomputeInput(Randn(ScalarType.Float64, 4, 20, 1));
        var every = tensor(new long[] { 0, 9, 3, 9, 1, 9, 2, 9 });
        var strided = every[TensorIndex.Slice(0, null, 2)];
        Assert.False(strided.is_contiguous());
        Assert.Equal(model.Fused(features, strided.contiguous()).item<double>(), model.Fused(features, strided).item<double>());
    }

    [Fact]
    public void Targets_outside_the_classes_or_of_the_wrong_shape_are_refused_by_name()
    {
        var model = Build(new Case(1, 1, true, 0, 0.2, 0.5, true, ScalarType.Float32));
        var features = model.Layer.PrecomputeInput(randn(3, 20, 1));
        var outside = Assert.Throws<ArgumentException>(() => model.Fused(features, tensor(new long[] { 0, 4, 1 })));
        Assert.Equal("targets", outside.ParamName);
        Assert.Contains("[0, 4)", outside.Message);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => model.Fused(features, tensor(new long[] { 0, 1 }))).ParamName);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => model.Fused(zeros(3, 5), tensor(new long[] { 0, 1, 2 }))).ParamName);
    }
}
