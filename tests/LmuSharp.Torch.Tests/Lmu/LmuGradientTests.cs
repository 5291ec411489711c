using LmuSharp.Memory;
using TorchSharp;
using static LmuSharp.Torch.Tests.LmuTestKit;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>Autograd gradients of every path against central finite differences in float64.</summary>
public class LmuGradientTests
{
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
        FiniteDifferences.Check(Loss, parameters.Append(("input", x)));
        layer.Dispose();
    }
}
