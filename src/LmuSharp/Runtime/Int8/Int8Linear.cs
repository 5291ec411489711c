using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LmuSharp.Runtime;

/// <summary>
/// y_o = s_x · s_o · Σ_i q_oi · q(x)_i + b_o: int8 weights q_oi with one scale s_o per output channel, the input
/// quantised to int8 with one scale s_x (q(x) = clamp(round(x / s_x), −127, 127), half to even), the dot products
/// exact in int32. With AVX-VNNI, 32 products per instruction (vpdpbusd multiplies unsigned by signed bytes, so
/// the input is offset by +128 and 128 · Σ_i q_oi subtracted); else a scalar loop. The same integers either way.
/// </summary>
internal sealed class Int8Linear
{
    const int Lane = 32;
    readonly sbyte[] _weight; // rows padded to a multiple of 32 with zeros
    readonly int[] _rowSums;  // 128 · Σ_i q_oi, the VNNI offset correction
    readonly float[] _outputScale; // s_x · s_o
    readonly float[]? _bias;
    readonly float _inverseInputScale;

    /// <summary>From float weights that are int8 values at their scales (W = q · s, as the exporter writes them).</summary>
    /// <exception cref="InvalidDataException">A weight is not an int8 multiple of its row's scale.</exception>
    public Int8Linear(string name, float[] weight, float[]? bias, int outputs, int inputs, float[] weightScales, float inputScale)
    {
        if (weightScales.Length != outputs) throw WeightReader.Invalid($"{name}: {weightScales.Length} weight scales for {outputs} output channels");
        if (!(inputScale > 0) || weightScales.Any(s => !(s > 0))) throw WeightReader.Invalid($"{name}: scales must be > 0");
        OutputSize = outputs;
        InputSize = inputs;
        PaddedInput = (inputs + Lane - 1) / Lane * Lane;
        _weight = new sbyte[outputs * PaddedInput];
        _rowSums = new int[outputs];
        _outputScale = new float[outputs];
        for (int o = 0; o < outputs; o++)
        {
            for (int i = 0; i < inputs; i++)
            {
                float w = weight[o * inputs + i], q = MathF.Round(w / weightScales[o]);
                if (Math.Abs(q) > 127 || Math.Abs(w - q * weightScales[o]) > 1e-3f * weightScales[o])
                    throw WeightReader.Invalid($"{name}[{o}, {i}] = {w} is not an int8 multiple of its channel scale {weightScales[o]} (export the model trained with --quantize int8)");
                _weight[o * PaddedInput + i] = (sbyte)q;
                _rowSums[o] += 128 * (int)q;
            }
            _outputScale[o] = inputScale * weightScales[o];
        }
        _bias = bias;
        _inverseInputScale = 1 / inputScale;
        InputScale = inputScale;
    }

    public int InputSize { get; }
    public int OutputSize { get; }
    public int PaddedInput { get; }
    public float InputScale { get; }

    /// <summary>Bytes of int8 weights (without padding).</summary>
    public long WeightBytes => (long)OutputSize * InputSize;

    /// <summary>Use the VNNI kernel when the processor has it (tests switch it off to compare with the scalar loop).</summary>
    internal static bool UseVnni { get; set; } = AvxVnni.IsSupported;

    /// <summary>q(x) into <paramref name="quantised"/> (PaddedInput bytes, the padding left zero), offset by +128 as unsigned bytes.</summary>
    public void Quantise(ReadOnlySpan<float> x, Span<byte> quantised)
    {
        for (int i = 0; i < InputSize; i++)
            quantised[i] = (byte)(128 + (int)Math.Clamp(MathF.Round(x[i] * _inverseInputScale), -127f, 127f));
    }

    /// <summary>y = s_x s_o (Σ q q(x)) + b for one input, quantised by <see cref="Quantise"/> (padding bytes must be 128).</summary>
    public void Apply(ReadOnlySpan<byte> quantised, Span<float> y)
    {
        for (int o = 0; o < OutputSize; o++)
        {
            int dot = Dot(_weight.AsSpan(o * PaddedInput, PaddedInput), quantised[..PaddedInput]) - _rowSums[o];
            y[o] = dot * _outputScale[o] + (_bias?[o] ?? 0);
        }
    }

    /// <summary>Σ_i w_i · u_i (u unsigned bytes, w signed) in int32.</summary>
    static int Dot(ReadOnlySpan<sbyte> w, ReadOnlySpan<byte> u)
    {
        if (UseVnni)
        {
            var sum = Vector256<int>.Zero;
            for (int i = 0; i < w.Length; i += Lane)
                sum = AvxVnni.MultiplyWideningAndAdd(sum, Vector256.Create(u.Slice(i, Lane)), Vector256.Create(w.Slice(i, Lane)));
            return Vector256.Sum(sum);
        }
        int total = 0;
        for (int i = 0; i < w.Length; i++) total += w[i] * u[i];
        return total;
    }
}
