namespace LmuSharp.Cli.Benchmarks.Workloads;

/// <summary>
/// The memory of a whole sequence with return_sequences: one forward pass without autograd of an LMU layer with no
/// hidden cell, one memory channel, order 256, θ = 1,000, batch 4, in one computation mode.
/// </summary>
public sealed class MemoryForward : IWorkload
{
    /// <summary>The Legendre order.</summary>
    public const int Order = 256;

    /// <summary>The memory window θ, in steps.</summary>
    public const double Theta = 1000;

    /// <summary>Sequences per batch.</summary>
    public const int Batch = 4;

    /// <summary>The layer's options (the mode apart).</summary>
    public static LmuOptions Options { get; } = new(1, Order, Theta) { ReturnSequences = true };

    readonly Lmu _layer;
    readonly Tensor _x;

    /// <summary>Builds the layer in <paramref name="mode"/> (auto, fft, raw, chunked, sequential…) and a batch of <paramref name="length"/> steps.</summary>
    public MemoryForward(string mode, int length)
    {
        manual_seed(0);
        _layer = new Lmu(Options, Enum.Parse<LmuMode>(mode, ignoreCase: true));
        _layer.eval();
        _x = randn(Batch, length, 1);
    }

    /// <summary>The mode the layer runs in (what <c>auto</c> resolves to).</summary>
    public LmuMode Mode => _layer.Mode;

    /// <summary>Bytes of the output, [batch, length, order] floats.</summary>
    public long OutputBytes => _x.size(0) * _x.size(1) * Order * sizeof(float);

    /// <summary>One forward pass, no autograd.</summary>
    public void Step()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _layer.call(_x, null);
    }

    /// <summary>Frees the layer and the batch.</summary>
    public void Dispose()
    {
        _layer.Dispose();
        _x.Dispose();
    }
}
