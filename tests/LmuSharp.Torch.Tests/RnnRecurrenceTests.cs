using LmuSharp.Torch.Recurrence;
using TorchSharp;
using static LmuSharp.Torch.Tests.LmuTestKit;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>
/// The fused RNN kernel (float32) against the same recurrence stepped in float64 tensor operations: values and
/// every gradient, with sizes that leave SIMD tails, split the batch across cores, and hit no register block evenly.
/// </summary>
public class RnnRecurrenceTests
{
    static readonly (int N, int T, int H)[] Sizes = [(1, 1, 1), (2, 9, 7), (3, 17, 37), (13, 50, 40), (7, 30, 212)];

    [Theory]
    [InlineData(Activation.Tanh, false)]
    [InlineData(Activation.Tanh, true)]
    [InlineData(Activation.Relu, false)]
    [InlineData(Activation.Relu, true)]
    public void Kernel_equals_the_float64_recurrence_in_value_and_every_gradient(Activation activation, bool withH0)
    {
        manual_seed(3);
        foreach (var (n, t, hidden) in Sizes)
        {
            using var a = randn(n, t, hidden);
            using var w = randn(hidden, hidden) * (1.2 / Math.Sqrt(hidden)); // gain above 1: states neither vanish nor saturate everywhere
            using var h0 = randn(n, hidden);
            using var upstream = randn(n, t, hidden);
            var (h, grads) = Run(a, w, withH0 ? h0 : null, upstream, activation, ScanImplementation.Kernel);
            var (hRef, gradsRef) = Run(a.to(ScalarType.Float64), w.to(ScalarType.Float64), withH0 ? h0.to(ScalarType.Float64) : null,
                upstream.to(ScalarType.Float64), activation, ScanImplementation.TensorOps);
            double scale = 1 + gradsRef.Max(g => g.abs().max().item<double>());
            Assert.InRange(MaxAbs(h, hRef), 0, 2e-5);
            foreach (var (g, gRef) in grads.Zip(gradsRef)) Assert.InRange(MaxAbs(g, gRef) / scale, 0, 2e-5);
        }
    }

    [Fact]
    public void Auto_uses_the_kernel_for_float32_cpu_and_tensor_ops_otherwise()
    {
        manual_seed(4);
        using var a = randn(2, 5, 3, ScalarType.Float64);
        using var w = randn(3, 3, ScalarType.Float64);
        Assert.InRange(MaxAbs(RnnRecurrence.apply(a, w), RnnRecurrence.apply(a, w, null, Activation.Tanh, ScanImplementation.TensorOps)), 0, 0);
        var error = Assert.Throws<ArgumentException>(() => RnnRecurrence.apply(a, w, null, Activation.Tanh, ScanImplementation.Kernel));
        Assert.Contains("float32", error.Message);
    }

    [Fact]
    public void The_psmnist_lmu_trains_the_same_on_the_kernel_as_stepped()
    {
        manual_seed(5);
        var options = new LmuOptions(1, 32, 60) { Hidden = HiddenCell.Rnn, HiddenSize = 24, InputToHidden = true };
        using var layer = new Lmu(options);
        Assert.Equal(LmuMode.Fft, layer.Mode);
        using var stepped = SequentialCopy(layer, options, ScalarType.Float32);
        using var x = rand(5, 60, 1);
        var (y, _) = layer.forward(x, null);
        var (yRef, _) = stepped.forward(x, null);
        Assert.InRange(MaxAbs(y, yRef), 0, 1e-5);
        y.square().sum().backward();
        yRef.square().sum().backward();
        foreach (var (p, q) in layer.parameters().Zip(stepped.parameters()))
            Assert.InRange(MaxAbs(p.grad!, q.grad!) / (1 + q.grad!.abs().max().item<float>()), 0, 1e-4);
    }

    [Fact]
    public void Bad_arguments_name_the_parameter_and_the_expectation()
    {
        using var a = zeros(2, 4, 3);
        Assert.Equal("input", Assert.Throws<ArgumentException>(() => RnnRecurrence.apply(zeros(2, 3), zeros(3, 3))).ParamName);
        Assert.Contains("[3, 3]", Assert.Throws<ArgumentException>(() => RnnRecurrence.apply(a, zeros(3, 4))).Message);
        Assert.Contains("[2, 3]", Assert.Throws<ArgumentException>(() => RnnRecurrence.apply(a, zeros(3, 3), zeros(1, 3))).Message);
        Assert.Equal("weight", Assert.Throws<ArgumentException>(() => RnnRecurrence.apply(a, zeros(3, 3, ScalarType.Float64))).ParamName);
        Assert.Contains("Tanh or Relu", Assert.Throws<ArgumentException>(() => RnnRecurrence.apply(a, zeros(3, 3), null, Activation.Gelu)).Message);
    }

    /// <summary>h and the gradients (a, W[, h0]) of Σ upstream ⊙ h.</summary>
    static (Tensor H, Tensor[] Grads) Run(Tensor a, Tensor w, Tensor? h0, Tensor upstream, Activation activation, ScanImplementation implementation)
    {
        var leaves = new[] { a, w, h0 }.OfType<Tensor>().Select(t => t.detach().requires_grad_(true)).ToArray();
        var h = RnnRecurrence.apply(leaves[0], leaves[1], h0 is null ? null : leaves[2], activation, implementation);
        (h * upstream).sum().backward();
        return (h.detach(), leaves.Select(l => l.grad!).ToArray());
    }
}
