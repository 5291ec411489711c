using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Tests;

/// <summary>Shared helpers for the LMU module tests.</summary>
internal static class LmuTestKit
{
    public static double MaxAbs(Tensor a, Tensor b)
    {
        Assert.Equal(a.shape, b.shape);
        if (a.numel() == 0) return 0;
        using var d = (a.detach().to(ScalarType.Float64) - b.detach().to(ScalarType.Float64)).abs().max();
        return d.item<double>();
    }

    /// <summary><paramref name="body"/> with libtorch (and the kernels that follow its thread count) on <paramref name="threads"/> threads, restored after.</summary>
    public static T WithThreads<T>(int threads, Func<T> body)
    {
        int saved = get_num_threads();
        set_num_threads(threads);
        try { return body(); }
        finally { set_num_threads(saved); }
    }

    public static double Tolerance(ScalarType dtype) => dtype == ScalarType.Float64 ? 1e-10 : 1e-5;

    public static Tensor Randn(ScalarType dtype, params long[] shape) => randn(shape, dtype);

    /// <summary>A sequential Lmu with the same weights as <paramref name="source"/>'s state dict.</summary>
    public static Lmu SequentialCopy(nn.Module source, LmuOptions options, ScalarType dtype)
    {
        var seq = new Lmu(options, LmuMode.Sequential);
        seq.to(dtype);
        seq.load_state_dict(source.state_dict());
        seq.eval();
        return seq;
    }

    /// <summary>A parallel-capable configuration with every option that applies to the parallel form.</summary>
    public static LmuOptions ParallelOptions(bool returnSequences, int memoryD = 2, LmuSharp.Memory.Discretizer discretizer = Memory.Discretizer.Zoh) =>
        new(3, 12, 30)
        {
            MemoryD = memoryD,
            Discretizer = discretizer,
            Hidden = HiddenCell.Linear,
            HiddenSize = 5,
            HiddenActivation = Activation.Tanh,
            InputToHidden = true,
            UseBias = true,
            ReturnSequences = returnSequences,
        };
}
