using LmuSharp.Torch.Recurrence;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>The fused GILR-LSTM gate function of <c>step</c> against the same formulas in TorchSharp operations: values and gradients.</summary>
public class GateKernelTests
{
    public static TheoryData<int, ScalarType> Sizes => new()
    {
        { 5, ScalarType.Float64 },  // below one SIMD vector: the scalar tail alone
        { 19, ScalarType.Float64 }, // vectors and a tail
        { 19, ScalarType.Float32 },
        { 64, ScalarType.Float32 }, // whole vectors
    };

    static (double Rtol, double Atol) Tolerance(ScalarType dtype) => dtype == ScalarType.Float64 ? (1e-12, 1e-14) : (1e-5, 1e-6);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Lstm_gates_equal_sigmoid_and_tanh_in_tensor_ops_with_the_same_gradients(int hidden, ScalarType dtype)
    {
        manual_seed(82);
        var p = (3 * randn([2, 7, 6 * hidden], dtype: dtype)).requires_grad_(true); // V x + b in columns [2·hidden, 6·hidden)
        var u = (3 * randn([2, 7, 4 * hidden], dtype: dtype)).requires_grad_(true);
        var weights = Enumerable.Range(0, 3).Select(_ => randn([2, 7, hidden], dtype: dtype)).ToArray();
        var fused = LstmGatesFunction.apply(p, 2 * hidden, u);
        var parts = (p.narrow(-1, 2 * hidden, 4 * hidden) + u).chunk(4, -1);
        Tensor[] plain = [parts[0].sigmoid(), parts[1].sigmoid() * parts[3].tanh(), parts[2].sigmoid()];
        var (rtol, atol) = Tolerance(dtype);
        for (int i = 0; i < 3; i++) Assert.True(fused[i].allclose(plain[i], rtol, atol), $"output {i}");
        Tensor Loss(IList<Tensor> outputs) => outputs.Zip(weights, (o, w) => (o * w).sum()).Aggregate((a, b) => a + b);
        var gradFused = autograd.grad([Loss(fused)], [p, u]);
        var gradPlain = autograd.grad([Loss(plain)], [p, u]);
        Assert.True(gradFused[0].allclose(gradPlain[0], rtol, atol), "∂L/∂p");
        Assert.True(gradFused[1].allclose(gradPlain[1], rtol, atol), "∂L/∂u");
    }
}
