using LmuSharp.Torch.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests.Training;

/// <summary><see cref="DenseHead"/>: its fused autograd node equals the modules composed, values and gradients.</summary>
public class DenseHeadTests
{
    sealed record Head(FastDropout? InputDropout, Linear Hidden, FastDropout? HiddenDropout, Linear Output)
    {
        public Tensor Fused(Tensor x) => DenseHead.Forward(x, InputDropout, Hidden, HiddenDropout, Output);
        public Tensor Composed(Tensor x) => DenseHead.Composed(x, InputDropout, Hidden, HiddenDropout, Output);
        public IEnumerable<(string Name, Tensor P)> Parameters() =>
            new (string, Tensor?)[] { ("W1", Hidden.weight), ("b1", Hidden.bias), ("W2", Output.weight), ("b2", Output.bias) }
                .Where(p => p.Item2 is not null).Select(p => (p.Item1, p.Item2!));
    }

    static Head Build(double p1, double p2, bool bias, ScalarType dtype, int features = 13, int hidden = 11, int classes = 5)
    {
        manual_seed(3);
        var head = new Head(p1 > 0 ? new FastDropout(p1) : null, nn.Linear(features, hidden, bias, dtype: dtype),
            p2 > 0 ? new FastDropout(p2) : null, nn.Linear(hidden, classes, bias, dtype: dtype));
        head.InputDropout?.train();
        head.HiddenDropout?.train();
        return head;
    }

    [Theory]
    [InlineData(0.2, 0.5, true, ScalarType.Float32)]
    [InlineData(0.2, 0.5, true, ScalarType.Float64)]
    [InlineData(0.0, 0.3, true, ScalarType.Float32)]
    [InlineData(0.4, 0.0, false, ScalarType.Float32)]
    [InlineData(0.0, 0.0, false, ScalarType.Float64)]
    public void The_fused_node_equals_the_composed_modules_in_values_and_every_gradient(double p1, double p2, bool bias, ScalarType dtype)
    {
        var head = Build(p1, p2, bias, dtype);
        var x = randn(17, 13, dtype: dtype).requires_grad_();
        var weights = randn(17, 5, dtype: dtype); // a loss that weighs every output differently

        var (fused, fusedGrads) = Run(head, x, weights, head.Fused);
        var (composed, composedGrads) = Run(head, x, weights, head.Composed);

        double tolerance = dtype == ScalarType.Float32 ? 1e-5 : 1e-12;
        Assert.True(fused.allclose(composed, rtol: tolerance, atol: tolerance), "outputs differ");
        Assert.Equal(composedGrads.Count, fusedGrads.Count);
        for (int i = 0; i < fusedGrads.Count; i++)
            Assert.True(fusedGrads[i].allclose(composedGrads[i], rtol: tolerance, atol: tolerance), $"gradient {i} differs");
        if (p1 > 0 || p2 > 0) Assert.True(fused.ne(0).any().item<bool>() && fusedGrads.All(g => g.ne(0).any().item<bool>()));
    }

    /// <summary>Output and the gradients of x and every parameter, with the dropout masks drawn from seed 9.</summary>
    static (Tensor Output, List<Tensor> Grads) Run(Head head, Tensor x, Tensor weights, Func<Tensor, Tensor> forward)
    {
        x.grad = null;
        foreach (var (_, p) in head.Parameters()) p.grad = null;
        manual_seed(9);
        var y = forward(x);
        (y * weights).sum().backward();
        return (y.detach(), [x.grad!.clone(), .. head.Parameters().Select(p => p.P.grad!.clone())]);
    }

    [Fact]
    public void The_fused_gradients_match_finite_differences()
    {
        var head = Build(0.3, 0.4, true, ScalarType.Float64, features: 6, hidden: 7, classes: 3);
        var x = randn(5, 6, dtype: ScalarType.Float64).requires_grad_();
        var weights = randn(5, 3, dtype: ScalarType.Float64);
        Tensor Loss()
        {
            manual_seed(9); // the same masks at every evaluation
            return (head.Fused(x) * weights).sum();
        }
        FiniteDifferences.Check(Loss, [("x", x), .. head.Parameters()]);
    }

    [Fact]
    public void Evaluation_and_no_grad_compose_the_modules_and_drop_nothing()
    {
        var head = Build(0.5, 0.5, true, ScalarType.Float32);
        var x = randn(4, 13);
        head.InputDropout!.eval();
        head.HiddenDropout!.eval();
        var plain = head.Output.forward(nn.functional.relu(head.Hidden.forward(x)));
        Assert.True(head.Fused(x).allclose(plain));
        using (no_grad()) Assert.True(head.Fused(x).allclose(plain));
    }

    [Fact]
    public void An_input_of_the_wrong_width_is_refused_by_name()
    {
        var head = Build(0.2, 0.2, true, ScalarType.Float32);
        var e = Assert.Throws<ArgumentException>(() => head.Fused(randn(4, 12)));
        Assert.Equal("input", e.ParamName);
        Assert.Contains("[batch, 13]", e.Message);
    }
}
