using LmuSharp.Torch.Training;
using TorchSharp;
using static LmuSharp.Torch.Tests.LmuTestKit;
using static TorchSharp.torch;
using Case = LmuSharp.Torch.Tests.Training.LmuClassifierLossTests.Case;
using Classifier = LmuSharp.Torch.Tests.Training.LmuClassifierLossTests.Classifier;

namespace LmuSharp.Torch.Tests.Training;

/// <summary>
/// <see cref="LmuClassifierGradients"/>: the loss and the gradients it writes equal autograd's through the composed modules
/// over the layer's and the head's options; gradients are replaced, not added to, whatever the batch size; frozen
/// parameters get none; Adam steps through <see cref="Fitting.Step(IBatchGradients, TorchSharp.Modules.OptimizerHelper, Tensor, Tensor, double)"/>
/// reach the composed path's weights; two lanes give one thread's numbers; a batch leaves no garbage; bad input and unsupported
/// layers are refused by name.
/// </summary>
public class LmuClassifierGradientsTests
{
    public static TheoryData<Case> Cases() => LmuClassifierLossTests.Cases();

    static Classifier Build(Case c) => LmuClassifierLossTests.Build(c);

    /// <summary>The classifier's parameters, in <see cref="Classifier.Parameters"/>' order.</summary>
    static List<Tensor> Weights(Classifier model) => [.. model.Parameters().Select(p => p.P)];

    /// <summary>Autograd's loss and gradients through the composed modules (null for a parameter that gets none).</summary>
    static (double Loss, Tensor?[] Grads) Composed(Classifier model, Tensor features, Tensor targets)
    {
        foreach (var p in Weights(model)) p.grad = null;
        manual_seed(9); // the same dropout masks on both paths
        var loss = model.Composed(features, targets);
        loss.backward();
        return (loss.to_type(ScalarType.Float64).item<double>(), [.. Weights(model).Select(p => p.grad?.clone())]);
    }

    static (double Loss, Tensor?[] Grads) Direct(Classifier model, LmuClassifierGradients gradients, Tensor features, Tensor targets)
    {
        manual_seed(9);
        double loss = gradients.Compute(features, targets);
        return (loss, [.. Weights(model).Select(p => p.grad?.clone())]);
    }

    static void AssertEqual((double Loss, Tensor?[] Grads) expected, (double Loss, Tensor?[] Grads) actual, ScalarType dtype)
    {
        double tolerance = dtype == ScalarType.Float32 ? 2e-5 : 1e-12;
        Assert.InRange(Math.Abs(actual.Loss - expected.Loss), 0, tolerance * Math.Max(1, Math.Abs(expected.Loss)));
        for (int i = 0; i < expected.Grads.Length; i++)
        {
            if (expected.Grads[i] is not { } e)
            {
                Assert.Null(actual.Grads[i]);
                continue;
            }
            double scale = Math.Max(1, e.abs().max().to_type(ScalarType.Float64).item<double>());
            Assert.True(MaxAbs(actual.Grads[i]!, e) <= tolerance * scale, $"gradient {i} differs by {MaxAbs(actual.Grads[i]!, e)}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_loss_and_the_gradients_written_equal_autograd_through_the_composed_modules(Case c)
    {
        var model = Build(c);
        var features = model.Layer.PrecomputeInput(Randn(c.Dtype, 7, 20, c.InputSize));
        var targets = tensor(new long[] { 0, 3, 1, 2, 3, 0, 1 });
        var expected = Composed(model, features, targets);
        using var gradients = model.Gradients();
        AssertEqual(expected, Direct(model, gradients, features, targets), c.Dtype);
    }

    [Fact]
    public void Gradients_are_replaced_not_added_to_whatever_the_batch_size()
    {
        var c = new Case(2, 2, true, 0.2, 0.2, 0.5, true, ScalarType.Float64);
        var model = Build(c);
        var features = model.Layer.PrecomputeInput(Randn(ScalarType.Float64, 7, 20, 2));
        var targets = tensor(new long[] { 0, 3, 1, 2, 3, 0, 1 });
        using var gradients = model.Gradients();
        foreach (var rows in new[] { 7, 3, 1, 7 }) // a new batch size makes new buffers, the old size again too; one row leaves lane 1 none
        {
            var (x, y) = (features[..rows], targets[..rows]);
            var expected = Composed(model, x, y);
            using (no_grad()) foreach (var p in Weights(model)) p.grad = full_like(p, 7.0); // stale gradients
            AssertEqual(expected, Direct(model, gradients, x, y), c.Dtype);
        }
    }

    [Theory]
    [InlineData(1)] // lane 1 gets no hidden unit
    [InlineData(2)]
    public void A_dense_layer_of_one_or_two_units_gets_the_composed_gradients(int hidden)
    {
        var c = new Case(1, 1, true, 0, 0.2, 0.5, true, ScalarType.Float64);
        var model = LmuClassifierLossTests.Build(c, hidden: hidden);
        var features = model.Layer.PrecomputeInput(Randn(ScalarType.Float64, 5, 20, 1));
        var targets = tensor(new long[] { 0, 3, 1, 2, 3 });
        var expected = Composed(model, features, targets);
        using var gradients = model.Gradients();
        AssertEqual(expected, Direct(model, gradients, features, targets), c.Dtype);
    }

    [Fact]
    public void A_frozen_encoder_gets_no_gradient_and_the_rest_the_composed_ones()
    {
        var c = new Case(1, 1, true, 0, 0.2, 0.5, true, ScalarType.Float64);
        var model = Build(c);
        foreach (var p in model.Layer.parameters()) p.requires_grad = false;
        var features = model.Layer.PrecomputeInput(Randn(ScalarType.Float64, 5, 20, 1));
        var targets = tensor(new long[] { 0, 3, 1, 2, 3 });
        var expected = Composed(model, features, targets);
        Assert.All(model.Layer.parameters(), p => Assert.Null(p.grad));
        using var gradients = model.Gradients();
        AssertEqual(expected, Direct(model, gradients, features, targets), c.Dtype);
    }

    [Fact]
    public void Adam_steps_on_the_direct_gradients_reach_the_weights_of_autograd()
    {
        var c = new Case(1, 1, true, 0, 0.2, 0.5, true, ScalarType.Float64);
        var x = Randn(ScalarType.Float64, 24, 20, 1);
        var labels = randint(0, 4, [24]);
        Tensor[] Train(bool direct)
        {
            var model = Build(c);
            var features = model.Layer.PrecomputeInput(x);
            var adam = optim.Adam(model.Layer.parameters().Concat(model.Dense.parameters()).Concat(model.Output.parameters()), 0.01);
            using var gradients = model.Gradients();
            manual_seed(5);
            for (int step = 0; step < 6; step++)
            {
                var rows = arange(step * 4, step * 4 + 4);
                if (direct) Fitting.Step(gradients, adam, features[rows], labels[rows], clipGradNorm: 1);
                else Fitting.Step(model.Composed, adam, features[rows], labels[rows], clipGradNorm: 1);
            }
            return [.. Weights(model).Select(p => p.detach().clone())];
        }
        var composed = Train(false);
        var direct = Train(true);
        for (int i = 0; i < composed.Length; i++) Assert.InRange(MaxAbs(composed[i], direct[i]), 0, 1e-10);
    }

    [Fact]
    public void Two_lanes_give_the_numbers_of_one_thread_exactly()
    {
        var c = new Case(2, 2, true, 0.2, 0.2, 0.5, true, ScalarType.Float32);
        var model = Build(c);
        var features = model.Layer.PrecomputeInput(Randn(ScalarType.Float32, 9, 20, 2));
        var targets = tensor(new long[] { 0, 3, 1, 2, 3, 0, 1, 2, 2 }); // an odd batch: halves of 5 and 4 rows
        using var gradients = model.Gradients();
        var lanes = WithThreads(2, () => Direct(model, gradients, features, targets));
        var single = WithThreads(1, () => Direct(model, gradients, features, targets));
        Assert.Equal(single.Loss, lanes.Loss);
        for (int i = 0; i < single.Grads.Length; i++) Assert.Equal(0, MaxAbs(single.Grads[i]!, lanes.Grads[i]!));
    }

    [Fact]
    public void A_batch_leaves_no_garbage_behind_once_its_buffers_exist()
    {
        // Each TorchSharp shape read, item() or zero_() leaves an object to the finalizer: 44 per psMNIST step once, and a
        // gen-0 collection that promoted them paused training for 80–100 ms every few seconds. Counted on this thread
        // only, so tests running beside this one do not count.
        var model = Build(new Case(1, 1, true, 0, 0.2, 0.5, true, ScalarType.Float32));
        var features = model.Layer.PrecomputeInput(randn(16, 20, 1));
        var targets = randint(0, 4, [16]);
        using var gradients = model.Gradients();
        long fewest = WithThreads(1, () => // on this thread, where its allocations are counted
        {
            gradients.Compute(features, targets); // makes the kept buffers
            long fewest = long.MaxValue;
            for (int attempt = 0; attempt < 3; attempt++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int batch = 0; batch < 10; batch++) gradients.Compute(features, targets);
                fewest = Math.Min(fewest, (GC.GetAllocatedBytesForCurrentThread() - before) / 10);
            }
            return fewest;
        });
        // 3,224 bytes: the wrappers of the batch's views (its halves too) and the closures of its phases, nothing finalizable;
        // a shape read is 136 more, an item() 192.
        Assert.True(fewest <= 3584, $"a batch allocated {fewest} bytes");
    }

    [Fact]
    public void Bad_features_and_targets_are_refused_by_name()
    {
        var model = Build(new Case(1, 1, true, 0, 0.2, 0.5, true, ScalarType.Float32));
        var features = model.Layer.PrecomputeInput(randn(3, 20, 1));
        using var gradients = model.Gradients();
        var outside = Assert.Throws<ArgumentException>(() => gradients.Compute(features, tensor(new long[] { 0, 4, 1 })));
        Assert.Equal("targets", outside.ParamName);
        Assert.Contains("[0, 4)", outside.Message);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => gradients.Compute(features, tensor(new long[] { 0, 1 }))).ParamName);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => gradients.Compute(zeros(3, 5), tensor(new long[] { 0, 1, 2 }))).ParamName);
        Assert.Equal("features", Assert.Throws<ArgumentException>(() => gradients.Compute(features.to_type(ScalarType.Float64), tensor(new long[] { 0, 1, 2 }))).ParamName);
    }

    [Fact]
    public void Layers_whose_output_is_not_a_fixed_memory_are_refused_by_name()
    {
        var head = (Dense: nn.Linear(12, 9), Output: nn.Linear(9, 4));
        var trainedTheta = new Lmu(new LmuOptions(1, 12, 20) { TrainableTheta = true }, LmuMode.Final);
        var trainedAB = new Lmu(new LmuOptions(1, 12, 20) { TrainableAB = true }, LmuMode.Final);
        var hiddenCell = new Lmu(new LmuOptions(1, 12, 20) { Hidden = HiddenCell.Linear, HiddenSize = 12 }, LmuMode.Final);
        foreach (var layer in new[] { trainedTheta, trainedAB, hiddenCell })
        {
            Assert.False(LmuClassifierGradients.IsSupported(layer, head.Dense, head.Output));
            Assert.Equal("layer", Assert.Throws<ArgumentException>(() => new LmuClassifierGradients(layer, null, head.Dense, null, head.Output)).ParamName);
        }
        Assert.True(LmuClassifierGradients.IsSupported(new Lmu(new LmuOptions(1, 12, 20), LmuMode.Final), head.Dense, head.Output));
    }
}
