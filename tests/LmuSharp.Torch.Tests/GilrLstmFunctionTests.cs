using LmuSharp.Torch.Recurrence;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>
/// <see cref="GilrLstmFunction"/> (a whole GILR-LSTM sequence in C# passes) against the same equations in tensor
/// operations (scans by <see cref="LinearRecurrence"/>): outputs, final states and the gradients of the projection, U and both initial states; against central
/// finite differences in float64; with outputs nothing reads (undefined incoming gradients).
/// </summary>
public class GilrLstmFunctionTests
{
    public static TheoryData<int, int, int, ScalarType> Sizes => new()
    {
        { 2, 7, 5, ScalarType.Float64 },    // below one SIMD vector: the scalar tails alone
        { 3, 11, 19, ScalarType.Float64 },  // vectors and tails, several sequences
        { 1, 1, 19, ScalarType.Float32 },   // one step
        { 1, 700, 64, ScalarType.Float32 }, // whole vectors; enough rows for the maps to split over cores
        { 2, 600, 8, ScalarType.Float64 },
    };

    /// <summary>
    /// The equations in tensor operations, each recurrence a <see cref="LinearRecurrence"/> scan (h̃ does not depend on the
    /// gates, so it is scanned first): (h [B, L, H], h̃_L, c_L).
    /// </summary>
    static Tensor[] Plain(Tensor p, Tensor u, Tensor gilr0, Tensor cell0)
    {
        int hidden = (int)u.size(1);
        var a = p.narrow(-1, 0, hidden).sigmoid();
        var htilde = LinearRecurrence.apply((1 - a) * p.narrow(-1, hidden, hidden).tanh(), a, gilr0);
        var previous = cat([gilr0.unsqueeze(1), htilde.narrow(1, 0, p.size(1) - 1)], 1); // h̃_{t-1}: the gates read it
        var q = (p.narrow(-1, 2 * hidden, 4 * hidden) + matmul(previous, u.t())).chunk(4, -1);
        var c = LinearRecurrence.apply(q[1].sigmoid() * q[3].tanh(), q[0].sigmoid(), cell0);
        return [q[2].sigmoid() * c, htilde.select(1, -1), c.select(1, -1)];
    }

    static Tensor[] Fused(Tensor p, Tensor u, Tensor gilr0, Tensor cell0) => [.. GilrLstmFunction.apply(p, u, gilr0, cell0)];

    static Tensor[] Inputs(int batch, int time, int hidden, ScalarType dtype)
    {
        var p = 2 * randn([batch, time, 6 * hidden], dtype: dtype);
        var u = randn([4 * hidden, hidden], dtype: dtype) / Math.Sqrt(hidden);
        return [p, u, randn([batch, hidden], dtype: dtype), randn([batch, hidden], dtype: dtype)];
    }

    static Tensor Loss(Tensor[] outputs, Tensor[] weights) => outputs.Zip(weights, (o, w) => (o * w).sum()).Aggregate((a, b) => a + b);

    static Tensor[] ValuesAndGradients(Func<Tensor, Tensor, Tensor, Tensor, Tensor[]> layer, Tensor[] inputs, Tensor[] weights, bool[] read)
    {
        var leaves = inputs.Select(t => t.detach().requires_grad_(true)).ToArray();
        var outputs = layer(leaves[0], leaves[1], leaves[2], leaves[3]);
        var loss = Loss([.. outputs.Where((_, i) => read[i])], [.. weights.Where((_, i) => read[i])]);
        var grads = autograd.grad([loss], leaves, allow_unused: true).Select((g, i) => g is null || g.IsInvalid ? zeros_like(leaves[i]) : g);
        return [.. outputs.Select(o => o.detach()), .. grads];
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Outputs_and_gradients_equal_the_equations_in_tensor_ops(int batch, int time, int hidden, ScalarType dtype)
    {
        manual_seed(91);
        var inputs = Inputs(batch, time, hidden, dtype);
        var weights = new[] { randn([batch, time, hidden], dtype: dtype), randn([batch, hidden], dtype: dtype), randn([batch, hidden], dtype: dtype) };
        bool[] all = [true, true, true];
        var fused = ValuesAndGradients(Fused, inputs, weights, all);
        var plain = ValuesAndGradients(Plain, [.. inputs.Select(t => t.to(ScalarType.Float64))], [.. weights.Select(t => t.to(ScalarType.Float64))], all);
        var (rtol, atol) = dtype == ScalarType.Float64 ? (1e-12, 1e-13) : (1e-4, 2e-5);
        string[] names = ["h", "h̃_L", "c_L", "∂L/∂p", "∂L/∂U", "∂L/∂h̃_0", "∂L/∂c_0"];
        for (int i = 0; i < names.Length; i++)
            Assert.True(fused[i].to(ScalarType.Float64).allclose(plain[i], rtol, atol), $"{names[i]} differs (max |Δ| {(fused[i].to(ScalarType.Float64) - plain[i]).abs().max().item<double>():G3})");
    }

    [Theory]
    [InlineData(true, false, false)] // only the outputs h
    [InlineData(false, true, false)] // only h̃_L: the others' gradients arrive undefined
    [InlineData(false, false, true)]
    public void Outputs_nothing_reads_contribute_no_gradient(bool h, bool gilr, bool cell)
    {
        manual_seed(92);
        var inputs = Inputs(2, 9, 5, ScalarType.Float64);
        var weights = new[] { randn([2, 9, 5], dtype: ScalarType.Float64), randn([2, 5], dtype: ScalarType.Float64), randn([2, 5], dtype: ScalarType.Float64) };
        bool[] read = [h, gilr, cell];
        var fused = ValuesAndGradients(Fused, inputs, weights, read);
        var plain = ValuesAndGradients(Plain, inputs, weights, read);
        for (int i = 3; i < fused.Length; i++) Assert.True(fused[i].allclose(plain[i], 1e-12, 1e-13), $"gradient {i - 3} differs");
    }

    [Fact]
    public void Gradients_match_central_finite_differences()
    {
        manual_seed(93);
        var inputs = Inputs(2, 4, 3, ScalarType.Float64);
        var weights = new[] { randn([2, 4, 3], dtype: ScalarType.Float64), randn([2, 3], dtype: ScalarType.Float64), randn([2, 3], dtype: ScalarType.Float64) };
        var analytic = ValuesAndGradients(Fused, inputs, weights, [true, true, true])[3..];
        const double eps = 1e-6;
        double LossAt(Tensor[] x) { using var _ = no_grad(); return Loss(Fused(x[0], x[1], x[2], x[3]), weights).item<double>(); }
        for (int k = 0; k < inputs.Length; k++)
        {
            var flat = inputs[k].view(-1);
            var numeric = zeros_like(flat);
            for (long j = 0; j < flat.numel(); j++)
            {
                double x0 = flat[j].item<double>();
                flat[j] = x0 + eps;
                double plus = LossAt(inputs);
                flat[j] = x0 - eps;
                double minus = LossAt(inputs);
                flat[j] = x0;
                numeric[j] = (plus - minus) / (2 * eps);
            }
            Assert.True(analytic[k].view(-1).allclose(numeric, rtol: 1e-6, atol: 1e-8), $"argument {k}: max |Δ| {(analytic[k].view(-1) - numeric).abs().max().item<double>():G3}");
        }
    }
}
