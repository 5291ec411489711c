using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LmuSharp.Runtime;

/// <summary>
/// y_o = s_x · s_o · Σ_i q_oi · q(x)_i + b_o: int8 weights q_oi with one scale s_o per output channel, the input
/// quantised to int8 with one scale s_x (q(x) = clamp(round(x / s_x), −127, 127), half to even), the dot products
/// exact in int32. The weights are stored in blocks of 8 outputs × 4 inputs (32 bytes), so that with AVX-VNNI one
/// vpdpbusd adds 4 products to each of 8 output sums: the 4 input bytes broadcast, no horizontal sums. vpdpbusd
/// multiplies unsigned by signed bytes, so inputs are offset by +128 and 128 · Σ_i q_oi is subtracted. Four output
/// blocks run together, so each broadcast feeds four independent sums (one chain of dependent vpdpbusd would wait
/// on its latency at every input quad). Without AVX-VNNI a scalar loop computes the same integers.
/// (Hand-written: TensorPrimitives has no int8 dot product.)
/// </summary>
internal sealed class Int8Linear
{
    const int Block = 8, Quad = 4;
    readonly sbyte[] _weight;      // [output block][input quad][8 outputs][4 inputs], zero-padded
    readonly int[] _offset;        // 128 · Σ_i q_oi per (padded) output
    readonly float[] _outputScale; // s_x · s_o per (padded) output
    readonly float[] _bias;        // b_o per (padded) output
    readonly float _inverseInputScale;
    readonly int[] _sums;

    /// <summary>From float weights that are int8 values at their scales (W = q · s, as the exporter writes them).</summary>
    /// <exception cref="InvalidDataException">A weight is not an int8 multiple of its row's scale.</exception>
    public Int8Linear(string name, float[] weight, float[]? bias, int outputs, int inputs, float[] weightScales, float inputScale)
    {
        if (weightScales.Length != outputs) throw WeightReader.Invalid($"{name}: {weightScales.Length} weight scales for {outputs} output channels");
        if (!(inputScale > 0) || weightScales.Any(s => !(s > 0))) throw WeightReader.Invalid($"{name}: scales must be > 0");
        OutputSize = outputs;
        InputSize = inputs;
        PaddedInput = (inputs + Quad - 1) / Quad * Quad;
        int paddedOutput = (outputs + Block - 1) / Block * Block, quads = PaddedInput / Quad;
        _weight = new sbyte[paddedOutput * PaddedInput];
        _offset = new int[paddedOutput];
        _outputScale = new float[paddedOutput];
        _bias = new float[paddedOutput];
        _sums = new int[paddedOutput];
        for (int o = 0; o < outputs; o++)
        {
            for (int i = 0; i < inputs; i++)
            {
                float w = weight[o * inputs + i], q = MathF.Round(w / weightScales[o]);
                if (Math.Abs(q) > 127 || Math.Abs(w - q * weightScales[o]) > 1e-3f * weightScales[o])
                    throw WeightReader.Invalid($"{name}[{o}, {i}] = {w} is not an int8 multiple of its channel scale {weightScales[o]} (export the model trained with --quantize int8)");
                _weight[((o / Block * quads + i / Quad) * Block + o % Block) * Quad + i % Quad] = (sbyte)q;
                _offset[o] += 128 * (int)q;
            }
            _outputScale[o] = inputScale * weightScales[o];
            _bias[o] = bias?[o] ?? 0;
        }
        _inverseInputScale = 1 / inputScale;
    }

    public int InputSize { get; }
    public int OutputSize { get; }

    /// <summary>Input bytes <see cref="Quantise"/> writes: InputSize rounded up to a multiple of 4.</summary>
    public int PaddedInput { get; }

    /// <summary>Bytes of int8 weights (without padding).</summary>
    public long WeightBytes => (long)OutputSize * InputSize;

    /// <summary>Use the VNNI kernel when the processor has it (tests switch it off to compare with the scalar loop).</summary>
    internal static bool UseVnni { get; set; } = AvxVnni.IsSupported;

    /// <summary>q(x) + 128 as unsigned bytes into the first PaddedInput bytes of <paramref name="quantised"/> (the padding as 128: q = 0).</summary>
    public void Quantise(ReadOnlySpan<float> x, Span<byte> quantised)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var scale = Vector256.Create(_inverseInputScale);
            var low = Vector256.Create(-127f);
            var high = Vector256.Create(127f);
            var bias = Vector256.Create(128);
            for (; i + 8 <= InputSize; i += 8)
            {
                var q = Vector256.ConvertToInt32(Vector256.Min(Vector256.Max(Vector256.Round(Vector256.Create(x.Slice(i, 8)) * scale), low), high)) + bias;
                var bytes = Vector256.Narrow(Vector256.Narrow(q, Vector256<int>.Zero).AsUInt16(), Vector256<ushort>.Zero); // 1 … 255 fit: no wrap
                MemoryMarshal.Write(quantised.Slice(i, 8), bytes.AsUInt64().ToScalar());
            }
        }
        for (; i < InputSize; i++) quantised[i] = (byte)(128 + (int)Math.Clamp(MathF.Round(x[i] * _inverseInputScale), -127f, 127f));
        quantised[InputSize..PaddedInput].Fill(128);
    }

    /// <summary>y = s_x s_o (Σ q q(x)) + b for one input quantised by <see cref="Quantise"/>.</summary>
    public void Apply(ReadOnlySpan<byte> quantised, Span<float> y)
    {
        int quads = PaddedInput / Quad, blocks = _offset.Length / Block;
        if (UseVnni)
        {
            var words = MemoryMarshal.Cast<byte, int>(quantised[..PaddedInput]);
            var weights = MemoryMarshal.Cast<sbyte, Vector256<sbyte>>(_weight.AsSpan());
            int b = 0;
            for (; b + 4 <= blocks; b += 4)
            {
                Vector256<int> s0 = default, s1 = default, s2 = default, s3 = default;
                int w = b * quads;
                for (int q = 0; q < quads; q++)
                {
                    var x = Vector256.Create(words[q]).AsByte();
                    s0 = AvxVnni.MultiplyWideningAndAdd(s0, x, weights[w + q]);
                    s1 = AvxVnni.MultiplyWideningAndAdd(s1, x, weights[w + quads + q]);
                    s2 = AvxVnni.MultiplyWideningAndAdd(s2, x, weights[w + 2 * quads + q]);
                    s3 = AvxVnni.MultiplyWideningAndAdd(s3, x, weights[w + 3 * quads + q]);
                }
                Store(b, s0, y);
                Store(b + 1, s1, y);
                Store(b + 2, s2, y);
                Store(b + 3, s3, y);
            }
            for (; b < blocks; b++)
            {
                var sum = Vector256<int>.Zero;
                for (int q = 0; q < quads; q++)
                    sum = AvxVnni.MultiplyWideningAndAdd(sum, Vector256.Create(words[q]).AsByte(), weights[b * quads + q]);
                Store(b, sum, y);
            }
            return;
        }
        else
        {
            for (int o = 0; o < _sums.Length; o++)
            {
                int total = 0;
                for (int i = 0; i < PaddedInput; i++) total += _weight[((o / Block * quads + i / Quad) * Block + o % Block) * Quad + i % Quad] * quantised[i];
                _sums[o] = total;
            }
        }
        for (int o = 0; o < OutputSize; o++) y[o] = (_sums[o] - _offset[o]) * _outputScale[o] + _bias[o];
    }

    /// <summary>y = s_x s_o (sum − offset) + b for output block <paramref name="block"/> (the outputs past OutputSize dropped).</summary>
    void Store(int block, Vector256<int> sum, Span<float> y)
    {
        int o = block * Block;
        var value = Vector256.ConvertToSingle(sum - Vector256.Create(_offset.AsSpan(o, Block))) * Vector256.Create(_outputScale.AsSpan(o, Block))
            + Vector256.Create(_bias.AsSpan(o, Block));
        if (o + Block <= OutputSize) value.CopyTo(y.Slice(o, Block));
        else for (int k = 0; o + k < OutputSize; k++) y[o + k] = value[k];
    }
}
