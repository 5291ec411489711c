using System.Numerics.Tensors;
using LmuSharp.Kernels;

namespace LmuSharp.Runtime;

/// <summary>y = W x (+ b) for a batch of rows; W is out × in (PyTorch's nn.Linear layout in the file).</summary>
internal sealed class Linear
{
    readonly float[] _weightT; // Wᵀ packed in 16-column panels (PackedGemm.Pack)
    readonly float[]? _bias;

    /// <summary>The layer W, b; a null <paramref name="bias"/> is a layer without one.</summary>
    public Linear(float[] weight, float[]? bias, int outputs, int inputs)
    {
        OutputSize = outputs;
        InputSize = inputs;
        PaddedOutput = PackedGemm.Padded(outputs);
        _weightT = PackedGemm.Pack(weight, outputs, inputs);
        _bias = bias;
    }

    public int InputSize { get; }
    public int OutputSize { get; }
    public int PaddedOutput { get; }

    /// <summary>Scratch floats per row that <see cref="Apply"/> needs.</summary>
    public int ScratchSize => PaddedOutput;

    /// <summary>y[r] = W x[r] + b (or y[r] += W x[r] + b when <paramref name="accumulate"/>), r &lt; rows.</summary>
    public void Apply(ReadOnlySpan<float> x, int rows, Span<float> y, Span<float> scratch, bool accumulate = false)
    {
        Multiply(x, rows, scratch);
        for (int r = 0; r < rows; r++)
        {
            var product = scratch.Slice(r * PaddedOutput, OutputSize);
            var row = y.Slice(r * OutputSize, OutputSize);
            if (accumulate) TensorPrimitives.Add(row, product, row);
            else product.CopyTo(row);
            if (_bias is not null) TensorPrimitives.Add(row, _bias, row);
        }
    }

    /// <summary>W x[r] into scratch row r (stride <see cref="PaddedOutput"/>), r &lt; rows; x must not overlap scratch.</summary>
    public unsafe void Multiply(ReadOnlySpan<float> x, int rows, Span<float> scratch)
    {
        fixed (float* px = x, pw = _weightT, ps = scratch)
        {
            PackedGemm.MultiplyRows(px, InputSize, rows, InputSize, pw, PaddedOutput, ps, PaddedOutput);
        }
    }
}
