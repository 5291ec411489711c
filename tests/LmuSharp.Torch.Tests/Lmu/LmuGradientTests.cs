using LmuSharp.Memory;
using TorchSharp;
using static LmuSharp.Torch.Tests.LmuTestKit;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>Autograd gradients of every path against central finite differences in float64.</summary>
public class LmuGradientTests
{
    /// <summary>Checks d loss / d p for a few entries of each tensor against (L(p+ε) − L(p−ε)) / 2ε.</summary>
    static void CheckGradients(Func<Tensor> loss, IEnumerable<(string Name, Tensor P)> tensors)
    {
        var list = tensors.ToList();
        foreach (var (_, p) in list) p.grad?.zero_();
        using (var l = loss()) l.backward();
        const double eps = 1e-6;
        foreach (var (name, p) in list)
        {
            Assert.True(p.grad is not null, $"{name} received no gradient");
            var flat = p.detach().view(-1); // shares memory with p
            var grad = p.grad!.view(-1);
            long n = flat.shape[0];
            foreach (long i in new[] { 0L, n / 2, n - 1 }.Distinct())
            {
                double original = flat[i].item<double>();
                double Eval(double v)
                {
                    using (no_grad()) flat[i] = v;
                    using (no_grad())
                    using (var l = loss()) return l.item<double>();
                }
                double numeric = (Eval(original + eps) - Eval(original - eps)) / (2 * eps);
                using (no_grad()) flat[i] = original;
                double analytic = grad[i].item<double>();
                Assert.True(Math.Abs(numeric - analytic) <= 1e-6 * Math.Max(1, Math.Abs(numeric)),
                    $"{name}[{i}]: autograd {analytic}, finite difference {numeric}");
            }
        }
    }

    public static TheoryData<string, Discretizer> Paths() => new()
    {
        { "final", Discretizer.Zoh }, { "fft", Discretizer.Zoh }, { "raw", Discretizer.Bilinear },
        { "chunked", Discretizer.Euler }, { "sequential", Discretizer.Zoh }, { "fft", Discretizer.Euler },
        { "fft+lstm", Discretizer.Zoh }, { "final-memoryd2", Discretizer.Zoh }, { "sequential+gru-feedback", Discretizer.Bilinear },
        { "fft+rnn-memoryd1", Discretizer.Zoh }, { "fft+rnn-memoryd2", Discretizer.Bilinear },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void Gradients_of_input_weights_theta_and_AB_match_finite_differences(string path, Discretizer discretizer)
    {
        manual_seed(11);
        var options = ParallelOptions(!path.StartsWith("final"), discretizer: discretizer) with { Theta = 60, TrainableTheta = true, TrainableAB = true };
        nn.Module<Tensor, LmuState?, (Tensor, LmuState)> layer = path switch
        {
            "sequential" => new Lmu(options, LmuMode.Sequential),
            "fft+lstm" => new Lmu(options with { Hidden = HiddenCell.Lstm }, LmuMode.Fft),
            "fft+rnn-memoryd1" => new Lmu(options with { Hidden = HiddenCell.Rnn, MemoryD = 1 }, LmuMode.Fft),
            "fft+rnn-memoryd2" => new Lmu(options with { Hidden = HiddenCell.Rnn }, LmuMode.Fft),
            "sequential+gru-feedback" => new Lmu(options with { Hidden = HiddenCell.Gru, HiddenToMemory = true, MemoryToMemory = true }),
            "final-memoryd2" => new Lmu(options with { InputSize = 2, MemoryD = 2, ReturnSequences = false }, LmuMode.Final),
            _ => new Lmu(options, new LmuComputation(Enum.Parse<LmuMode>(path, true)) { ChunkLength = 4 }),
        };
        layer.to(ScalarType.Float64);
        using var x = Randn(ScalarType.Float64, 2, 11, path == "final-memoryd2" ? 2 : 3).requires_grad_(true);
        using var weights = Randn(ScalarType.Float64, path.StartsWith("final") ? [2, 5] : [2, 11, 5]);
        Tensor Loss()
        {
            var (y, s) = layer.call(x, null);
            return (y * weights).sum() + s.Memory.square().sum() * 0.1;
        }
        var parameters = layer.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
        Assert.Contains(parameters, p => p.name == "cell.theta_inv");
        Assert.Contains(parameters, p => p.name == "cell.A");
        CheckGradients(Loss, parameters.Append(("input", x)));
        layer.Dispose();
    }
}
