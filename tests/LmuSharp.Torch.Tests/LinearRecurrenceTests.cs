using System.Numerics;
using LmuSharp.Torch.Recurrence;
using TorchSharp;
using static LmuSharp.Torch.Tests.RecurrenceReference;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>Forward equivalence of every scan path to the plain loop, input handling and errors.</summary>
public class LinearRecurrenceTests
{
    /// <summary>Sizes chosen so channels do not fill a SIMD vector or a cache line and time does not split evenly into chunks.</summary>
    static readonly (int B, int T, int C)[] Sizes = [(1, 1, 1), (2, 7, 3), (3, 33, 17), (2, 129, 37), (1, 1000, 5)];

    /// <summary>Every accepted form of a for x of shape [b, t, c].</summary>
    public static long[][] CoefficientShapes(int b, int t, int c) =>
        [[b, t, c], [b, 1, c], [1, t, c], [1, 1, c], [c], [t, c], [b, t, 1], [1], []];

    public static TheoryData<ScalarType, string, string> Paths => new()
    {
        { ScalarType.Float32, "Kernel", "ChannelBlocks" },
        { ScalarType.Float32, "Kernel", "TimeChunks" },
        { ScalarType.Float32, "TensorOps", "Auto" },
        { ScalarType.Float64, "Kernel", "ChannelBlocks" },
        { ScalarType.Float64, "Kernel", "TimeChunks" },
        { ScalarType.Float64, "TensorOps", "Auto" },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void Every_path_equals_the_plain_loop_for_every_broadcast_form_direction_and_initial_state(
        ScalarType dtype, string implementationName, string strategyName)
    {
        var (implementation, strategy) = (Enum.Parse<ScanImplementation>(implementationName), Enum.Parse<ScanStrategy>(strategyName));
        manual_seed(1);
        foreach (var (b, t, c) in Sizes)
            foreach (var aShape in CoefficientShapes(b, t, c))
                foreach (var withH0 in new[] { false, true })
                    foreach (var reverse in new[] { false, true })
                    {
                        using var scope = NewDisposeScope();
                        var x = randn([b, t, c], dtype: dtype);
                        var a = Uniform(aShape, -1, 1, dtype);
                        var h0 = withH0 ? randn([b, c], dtype: dtype) : null;
                        var h = LinearRecurrence.apply(x, a, h0, reverse, implementation, strategy);
                        var error = dtype == ScalarType.Float32
                            ? ErrorAgainstLoop<float>(h, x, a, h0, reverse)
                            : ErrorAgainstLoop<double>(h, x, a, h0, reverse);
                        var tolerance = dtype == ScalarType.Float32 ? 1e-6 : 1e-12;
                        Assert.True(error <= tolerance,
                            $"[{b},{t},{c}] a [{string.Join(",", aShape)}] h0={withH0} reverse={reverse}: relative error {error:g3} > {tolerance:g1}");
                    }
    }

    [Theory]
    [InlineData(ScalarType.Float32, "TimeChunks", false)]
    [InlineData(ScalarType.Float32, "ChannelBlocks", true)]
    [InlineData(ScalarType.Float64, "TimeChunks", true)]
    public void Kernel_equals_the_plain_loop_over_a_million_steps(ScalarType dtype, string strategyName, bool reverse)
    {
        var strategy = Enum.Parse<ScanStrategy>(strategyName);
        const int t = 1 << 20;
        manual_seed(2);
        using var scope = NewDisposeScope();
        var x = randn([1, t, 3], dtype: dtype);
        var a = Uniform([1, t, 3], 0.5, 1, dtype); // long memories: errors would accumulate if the scan were wrong
        var h0 = randn([1, 3], dtype: dtype);
        var h = LinearRecurrence.apply(x, a, h0, reverse, ScanImplementation.Kernel, strategy);
        var error = dtype == ScalarType.Float32 ? ErrorAgainstLoop<float>(h, x, a, h0, reverse) : ErrorAgainstLoop<double>(h, x, a, h0, reverse);
        Assert.True(error <= (dtype == ScalarType.Float32 ? 1e-6 : 1e-12), $"relative error {error:g3}");
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Rows_wide_enough_to_split_into_channel_blocks_give_the_plain_loop_and_the_tensor_op_gradients(ScalarType dtype)
    {
        const int b = 1, t = 9, c = 8195; // ≥ 2 × 16 KB rows: split across cores; odd width leaves a SIMD tail
        manual_seed(6);
        foreach (var aShape in new long[][] { [b, t, c], [b, 1, c] })
        {
            using var scope = NewDisposeScope();
            var x = randn([b, t, c], dtype: dtype).requires_grad_();
            var a = Uniform(aShape, -1, 1, dtype).requires_grad_();
            var h0 = randn([b, c], dtype: dtype).requires_grad_();
            var w = randn([b, t, c], dtype: dtype);
            var h = LinearRecurrence.apply(x, a, h0, false, ScanImplementation.Kernel, ScanStrategy.ChannelBlocks);
            var tolerance = dtype == ScalarType.Float32 ? 1e-6 : 1e-12;
            var error = dtype == ScalarType.Float32 ? ErrorAgainstLoop<float>(h, x, a, h0, false) : ErrorAgainstLoop<double>(h, x, a, h0, false);
            Assert.True(error <= tolerance, $"forward, a [{string.Join(",", aShape)}]: {error:g3}");

            var kernelGrads = torch.autograd.grad([(h * w).sum()], [x, a, h0]);
            var hOps = LinearRecurrence.apply(x, a, h0, false, ScanImplementation.TensorOps, ScanStrategy.Auto);
            var opsGrads = torch.autograd.grad([(hOps * w).sum()], [x, a, h0]);
            for (int k = 0; k < 3; k++)
                Assert.True(kernelGrads[k].allclose(opsGrads[k], rtol: 10 * tolerance, atol: 10 * tolerance), $"gradient {k}, a [{string.Join(",", aShape)}]");
        }
    }

    [Fact]
    public void Sequential_kernel_reproduces_the_plain_loop_bit_for_bit()
    {
        manual_seed(3);
        var x = randn([3, 50, 21]);
        var a = Uniform([3, 50, 21], -1, 1, ScalarType.Float32);
        var h = LinearRecurrence.apply(x, a, null, false, ScanImplementation.Kernel, ScanStrategy.ChannelBlocks);
        Assert.Equal(Scan(Values<float>(x), 3, 50, 21, Values<float>(a), [3, 50, 21], null, false), Values<float>(h));
    }

    [Fact]
    public void Non_contiguous_inputs_give_the_same_values_and_gradients_as_contiguous_copies()
    {
        manual_seed(4);
        var xBase = randn([2, 6, 9], dtype: ScalarType.Float64).requires_grad_(); // [b, c, t] storage
        var aBase = Uniform([6, 1], 0, 1, ScalarType.Float64).requires_grad_();
        var h0Base = randn([6, 2], dtype: ScalarType.Float64).requires_grad_();
        var x = xBase.transpose(1, 2);                  // [2, 9, 6] over [2, 6, 9] storage
        var a = aBase.t().unsqueeze(1).expand(2, 9, 6); // stride-0 view
        var h0 = h0Base.t();
        Assert.False(x.is_contiguous());
        Assert.False(a.is_contiguous());
        Assert.False(h0.is_contiguous());
        var w = randn([2, 9, 6], dtype: ScalarType.Float64);

        var h = LinearRecurrence.apply(x, a, h0);
        (h * w).sum().backward();
        var (xc, ac, h0c) = (x.detach().contiguous().requires_grad_(), a.detach().contiguous().requires_grad_(), h0.detach().contiguous().requires_grad_());
        var hc = LinearRecurrence.apply(xc, ac, h0c);
        (hc * w).sum().backward();

        Assert.True(h.allclose(hc, rtol: 0, atol: 0));
        Assert.True(xBase.grad!.transpose(1, 2).allclose(xc.grad!, rtol: 1e-14, atol: 1e-14));
        Assert.True(aBase.grad!.allclose(ac.grad!.sum([0, 1]).unsqueeze(1), rtol: 1e-12, atol: 1e-12));
        Assert.True(h0Base.grad!.t().allclose(h0c.grad!, rtol: 1e-14, atol: 1e-14));
    }

    [Theory]
    [InlineData("ChannelBlocks")]
    [InlineData("TimeChunks")]
    [InlineData("Auto")]
    public void NaN_and_infinity_propagate_exactly_as_through_the_plain_loop(string strategyName)
    {
        var strategy = Enum.Parse<ScanStrategy>(strategyName);
        manual_seed(5);
        var x = randn([2, 40, 19]);
        var a = Uniform([2, 40, 19], -1, 1, ScalarType.Float32);
        x[0, 3, 1] = float.NaN;
        x[1, 20, 18] = float.PositiveInfinity;
        a[1, 5, 0] = float.NegativeInfinity;
        a[0, 30, 7] = float.NaN;
        var h = Values<float>(LinearRecurrence.apply(x, a, null, false, ScanImplementation.Kernel, strategy));
        var expected = Scan(Values<float>(x), 2, 40, 19, Values<float>(a), [2, 40, 19], null, false);
        Assert.Contains(h, float.IsNaN);
        for (int i = 0; i < h.Length; i++)
        {
            Assert.Equal(float.IsNaN(expected[i]), float.IsNaN(h[i]));
            Assert.Equal(float.IsInfinity(expected[i]), float.IsInfinity(h[i]));
            if (float.IsFinite(expected[i])) Assert.True(Math.Abs(h[i] - expected[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"element {i}");
        }
    }

    [Fact]
    public void Empty_time_axis_gives_an_empty_result()
    {
        var h = LinearRecurrence.apply(zeros(2, 0, 3), ones(3));
        Assert.Equal([2L, 0, 3], h.shape);
    }

    [Fact]
    public void Mismatched_inputs_are_rejected_naming_the_argument_and_the_expected_shape()
    {
        var x = zeros(2, 5, 3);
        AssertRejected("x", "[batch, time, channels]", () => LinearRecurrence.apply(zeros(5, 3), ones(3)));
        AssertRejected("x", "float32 or float64", () => LinearRecurrence.apply(zeros(new long[] { 2, 5, 3 }, dtype: ScalarType.Int32), ones(3, dtype: ScalarType.Int32)));
        AssertRejected("a", "broadcast to x's shape [2, 5, 3]", () => LinearRecurrence.apply(x, ones(2, 5, 4)));
        AssertRejected("a", "broadcast to x's shape", () => LinearRecurrence.apply(x, ones(3, 5, 3)));
        AssertRejected("a", "broadcast to x's shape", () => LinearRecurrence.apply(x, ones(1, 2, 5, 3)));
        AssertRejected("a", "dtype", () => LinearRecurrence.apply(x, ones(new long[] { 3 }, dtype: ScalarType.Float64)));
        AssertRejected("h0", "[batch, channels] = [2, 3]", () => LinearRecurrence.apply(x, ones(3), zeros(3)));
        AssertRejected("h0", "[batch, channels] = [2, 3]", () => LinearRecurrence.apply(x, ones(3), zeros(3, 2)));
    }

    static void AssertRejected(string parameter, string fragment, Action call)
    {
        var e = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains(fragment, e.Message);
    }

    static double ErrorAgainstLoop<T>(Tensor h, Tensor x, Tensor a, Tensor? h0, bool reverse) where T : unmanaged, INumber<T>
    {
        var (b, t, c) = ((int)x.size(0), (int)x.size(1), (int)x.size(2));
        var expected = Scan(Values<T>(x), b, t, c, Values<T>(a), Padded(a.shape), h0 is null ? null : Values<T>(h0), reverse);
        Assert.Equal(x.shape, h.shape);
        return RelativeError<T>(Values<T>(h), expected);
    }
}
