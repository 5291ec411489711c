using LmuSharp.Torch.Recurrence;
using TorchSharp;
using static LmuSharp.Torch.Tests.RecurrenceReference;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>Gradients of the scan: central finite differences in float64, and every path against the others.</summary>
public class LinearRecurrenceGradientTests
{
    public static TheoryData<string, string> Paths => new()
    {
        { "Kernel", "ChannelBlocks" },
        { "Kernel", "TimeChunks" },
        { "TensorOps", "Auto" },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void Gradients_match_central_finite_differences_for_every_broadcast_form(string implementationName, string strategyName)
    {
        var (implementation, strategy) = (Enum.Parse<ScanImplementation>(implementationName), Enum.Parse<ScanStrategy>(strategyName));
        const int b = 2, t = 6, c = 3;
        manual_seed(11);
        foreach (var aShape in LinearRecurrenceTests.CoefficientShapes(b, t, c))
            foreach (var withH0 in new[] { false, true })
                foreach (var reverse in new[] { false, true })
                {
                    using var scope = NewDisposeScope();
                    var x = randn([b, t, c], dtype: ScalarType.Float64);
                    var a = Uniform(aShape, -1.2, 1.2, ScalarType.Float64);
                    var h0 = withH0 ? randn([b, c], dtype: ScalarType.Float64) : null;
                    var w = randn([b, t, c], dtype: ScalarType.Float64); // L = Σ w ⊙ h
                    var inputs = withH0 ? new[] { x, a, h0! } : [x, a];
                    double Loss(Tensor[] v) => (LinearRecurrence.apply(v[0], v[1], withH0 ? v[2] : null, reverse, implementation, strategy) * w).sum().item<double>();

                    var leaves = inputs.Select(v => v.clone().requires_grad_()).ToArray();
                    (LinearRecurrence.apply(leaves[0], leaves[1], withH0 ? leaves[2] : null, reverse, implementation, strategy) * w).sum().backward();
                    for (int k = 0; k < inputs.Length; k++)
                    {
                        var analytic = Values<double>(leaves[k].grad!);
                        var numeric = FiniteDifference(inputs, k, Loss);
                        for (int i = 0; i < numeric.Length; i++)
                            Assert.True(Math.Abs(analytic[i] - numeric[i]) <= 1e-7 * (1 + Math.Abs(numeric[i])),
                                $"a [{string.Join(",", aShape)}] h0={withH0} reverse={reverse}: ∂L/∂input{k}[{i}] = {analytic[i]} vs finite difference {numeric[i]}");
                    }
                }
    }

    [Theory]
    [InlineData("float32", 1e-5)]
    [InlineData("float64", 1e-12)]
    public void All_paths_give_the_same_gradients_on_longer_sequences(string dtypeName, double tolerance)
    {
        var dtype = dtypeName == "float32" ? ScalarType.Float32 : ScalarType.Float64;
        const int b = 3, t = 301, c = 37;
        manual_seed(12);
        foreach (var aShape in LinearRecurrenceTests.CoefficientShapes(b, t, c))
            foreach (var reverse in new[] { false, true })
            {
                using var scope = NewDisposeScope();
                var x = randn([b, t, c], dtype: dtype);
                var a = Uniform(aShape, -1, 1, dtype);
                var h0 = randn([b, c], dtype: dtype);
                var w = randn([b, t, c], dtype: dtype);
                var reference = Gradients(x, a, h0, w, reverse, ScanImplementation.Kernel, ScanStrategy.ChannelBlocks);
                foreach (var (implementation, strategy) in new[] { (ScanImplementation.Kernel, ScanStrategy.TimeChunks), (ScanImplementation.TensorOps, ScanStrategy.Auto) })
                {
                    var other = Gradients(x, a, h0, w, reverse, implementation, strategy);
                    for (int k = 0; k < reference.Length; k++)
                    {
                        var error = dtype == ScalarType.Float32
                            ? RelativeError<float>(Values<float>(other[k]), Values<float>(reference[k]))
                            : RelativeError<double>(Values<double>(other[k]), Values<double>(reference[k]));
                        Assert.True(error <= tolerance, $"{implementation}/{strategy} a [{string.Join(",", aShape)}] reverse={reverse} input {k}: {error:g3}");
                    }
                }
            }
    }

    [Fact]
    public void Backward_kernel_equals_the_plain_reverse_loop_over_a_million_steps_with_time_invariant_a()
    {
        const int t = 1 << 20, c = 2;
        manual_seed(13);
        var x = randn([1, t, c], dtype: ScalarType.Float64).requires_grad_();
        var a = Uniform([c], 0.9, 1, ScalarType.Float64).requires_grad_();
        var h0 = randn([1, c], dtype: ScalarType.Float64).requires_grad_();
        var w = randn([1, t, c], dtype: ScalarType.Float64);
        var h = LinearRecurrence.apply(x, a, h0);
        (h * w).sum().backward();

        // g_t = w_t + a g_{t+1}; ∂L/∂a = Σ_t g_t h_{t-1}; ∂L/∂h0 = a g_1.
        var (wv, av, hv, h0v) = (Values<double>(w), Values<double>(a), Values<double>(h), Values<double>(h0));
        var (gx, ga, gh0) = (Values<double>(x.grad!), Values<double>(a.grad!), Values<double>(h0.grad!));
        for (int ch = 0; ch < c; ch++)
        {
            double g = 0, sum = 0, sumScale = 0, maxGx = 0, maxDiff = 0;
            for (int s = t - 1; s >= 0; s--)
            {
                g = wv[s * c + ch] + av[ch] * g;
                var term = g * (s > 0 ? hv[(s - 1) * c + ch] : h0v[ch]);
                sum += term;
                sumScale += Math.Abs(term);
                maxGx = Math.Max(maxGx, Math.Abs(g));
                maxDiff = Math.Max(maxDiff, Math.Abs(gx[s * c + ch] - g));
            }
            Assert.True(maxDiff <= 1e-12 * maxGx, $"∂L/∂x channel {ch}: {maxDiff / maxGx:g3}");
            Assert.True(Math.Abs(ga[ch] - sum) <= 1e-12 * sumScale, $"∂L/∂a channel {ch}: {ga[ch]} vs {sum}");
            Assert.True(Math.Abs(gh0[ch] - av[ch] * g) <= 1e-12 * Math.Abs(av[ch] * g), $"∂L/∂h0 channel {ch}");
        }
    }

    static Tensor[] Gradients(Tensor x, Tensor a, Tensor h0, Tensor w, bool reverse, ScanImplementation implementation, ScanStrategy strategy)
    {
        var leaves = new[] { x, a, h0 }.Select(v => v.clone().requires_grad_()).ToArray();
        (LinearRecurrence.apply(leaves[0], leaves[1], leaves[2], reverse, implementation, strategy) * w).sum().backward();
        return [.. leaves.Select(l => l.grad!)];
    }

    /// <summary>(L(v + ε e_i) − L(v − ε e_i)) / 2ε for every element i of inputs[k].</summary>
    static double[] FiniteDifference(Tensor[] inputs, int k, Func<Tensor[], double> loss)
    {
        const double eps = 1e-6;
        var values = Values<double>(inputs[k]);
        var result = new double[values.Length];
        using var _ = no_grad();
        for (int i = 0; i < values.Length; i++)
        {
            double Shifted(double delta)
            {
                var v = (double[])values.Clone();
                v[i] += delta;
                var args = (Tensor[])inputs.Clone();
                args[k] = tensor(v, inputs[k].shape, dtype: ScalarType.Float64);
                return loss(args);
            }
            result[i] = (Shifted(eps) - Shifted(-eps)) / (2 * eps);
        }
        return result;
    }
}
