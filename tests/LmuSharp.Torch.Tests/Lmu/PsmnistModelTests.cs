using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>The two psMNIST models of the papers, built from options, have the papers' sizes and shapes.</summary>
public class PsmnistModelTests
{
    static long Count(params nn.Module[] modules) => modules.Sum(m => m.parameters().Sum(p => p.numel()));

    [Fact]
    public void Parallel_2021_model_has_about_165k_parameters_and_classifies_in_final_mode()
    {
        using var lmu = new Lmu(new LmuOptions(1, 468, 784)
        {
            UseBias = true, Hidden = HiddenCell.Linear, HiddenSize = 346, HiddenActivation = Activation.Relu, InputToHidden = true,
        });
        using var classifier = nn.Linear(346, 10);
        long count = Count(lmu, classifier);
        Assert.InRange(count, 163_000, 167_000); // paper: 165k
        Assert.Equal(LmuMode.Final, lmu.Mode);
        using var x = rand(2, 784, 1);
        var (h, state) = lmu.forward(x, null);
        Assert.Equal(new long[] { 2, 346 }, h.shape);
        Assert.Equal(new long[] { 2, 1, 468 }, state.Memory.shape);
    }

    [Fact]
    public void Sequential_2019_model_has_about_102k_parameters_and_runs_sequentially()
    {
        using var lmu = new Lmu(new LmuOptions(1, 256, 784)
        {
            Hidden = HiddenCell.Rnn, HiddenSize = 212, HiddenToMemory = true, MemoryToMemory = true, InputToHidden = true,
        });
        using var classifier = nn.Linear(212, 10);
        Assert.InRange(Count(lmu, classifier), 101_000, 103_500); // paper: 102k
        Assert.Equal(LmuMode.Sequential, lmu.Mode);
    }
}
