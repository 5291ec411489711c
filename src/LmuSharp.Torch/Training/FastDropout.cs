using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>
/// Inverted dropout, as <c>nn.Dropout(p)</c>: in training each element is zeroed with probability p and the others
/// are scaled by 1/(1 − p); in evaluation the input passes unchanged. On CPU the mask comes from four xoshiro256**
/// generators written here (side by side in vector lanes), seeded on every call from TorchSharp's generator (so <c>torch.manual_seed</c> still makes
/// runs repeatable), because libtorch draws each CPU random number with a Mersenne Twister at several nanoseconds
/// apiece: the masks of a [100 × 468] layer cost more than its matrix product. On other devices it is
/// <c>nn.functional.dropout</c>.
/// </summary>
public sealed class FastDropout : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the layer.</summary>
    /// <param name="p">The probability of zeroing an element, in [0, 1).</param>
    /// <param name="name">The module name.</param>
    public FastDropout(double p, string name = "FastDropout") : base(name)
    {
        if (!(p >= 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, $"p must lie in [0, 1), got {p}.");
        P = p;
    }

    /// <summary>The probability of zeroing an element.</summary>
    public double P { get; }

    /// <summary>x ⊙ mask / (1 − p) in training, x in evaluation.</summary>
    /// <param name="input">Any tensor.</param>
    public override Tensor forward(Tensor input)
    {
        if (!training || P == 0) return input.alias();
        if (input.device_type != TorchSharp.DeviceType.CPU) return nn.functional.dropout(input, P, true);
        using var mask = TrainingMask(input.shape, input.dtype)!;
        return input * mask;
    }

    /// <summary>
    /// The mask <see cref="forward"/> multiplies by in training (0 or 1/(1 − p), [shape] of <paramref name="dtype"/>),
    /// or null when the layer passes its input unchanged (evaluation or p = 0). Draws the same seed from TorchSharp's
    /// generator as <see cref="forward"/>, so a fused kernel that applies this mask reproduces the layer exactly.
    /// </summary>
    internal Tensor? TrainingMask(long[] shape, ScalarType dtype)
    {
        if (!IsActive) return null;
        var mask = empty(shape, dtype);
        FillTrainingMask(mask);
        return mask;
    }

    /// <summary>True when the layer zeroes elements (training mode and p &gt; 0).</summary>
    internal bool IsActive => training && P > 0;

    /// <summary>Writes the mask of <see cref="TrainingMask"/> into <paramref name="mask"/> (contiguous CPU float32 or float64), drawn the same way.</summary>
    internal void FillTrainingMask(Tensor mask) => FillTrainingMask(mask, DrawSeed());

    /// <summary>The seed of the next mask, from TorchSharp's generator (one draw per mask, in the order the masks are used).</summary>
    internal static ulong DrawSeed()
    {
        Span<ulong> seed = stackalloc ulong[1];
        DrawSeeds(seed);
        return seed[0];
    }

    /// <summary>
    /// The seeds of the next <c>seeds.Length</c> masks in one draw: the generator gives them one after the other, so they
    /// are the seeds as many <see cref="DrawSeed"/> calls would give, for one call into libtorch instead of several.
    /// </summary>
    internal static unsafe void DrawSeeds(Span<ulong> seeds)
    {
        if (seeds.IsEmpty) return;
        // Read in place: item<long>() would leave its Scalar to the finalizer.
        using var drawn = randint(long.MaxValue, [seeds.Length], ScalarType.Int64);
        new ReadOnlySpan<ulong>(Recurrence.TensorMemory.Pointer<ulong>(drawn), seeds.Length).CopyTo(seeds);
    }

    /// <summary>
    /// <see cref="FillTrainingMask(Tensor)"/> with a seed drawn before (<see cref="DrawSeed"/>): masks whose seeds were drawn in
    /// order can be filled on any thread.
    /// </summary>
    internal void FillTrainingMask(Tensor mask, ulong seed)
    {
        if (mask.dtype == ScalarType.Float32)
        {
            FillMask(MemoryMarshal.Cast<byte, float>(mask.bytes), seed);
            return;
        }
        using var single = empty(mask.shape, ScalarType.Float32);
        FillMask(MemoryMarshal.Cast<byte, float>(single.bytes), seed);
        mask.copy_(single);
    }

    /// <summary>
    /// Fills <paramref name="values"/> with 0 (where a 32-bit draw falls below p·2³²) or 1/(1 − p). Four xoshiro256**
    /// generators run side by side in the lanes of a <see cref="Vector256{T}"/>, each 64-bit draw giving two 32-bit ones,
    /// so eight elements cost one vector step.
    /// </summary>
    void FillMask(Span<float> values, ulong seed)
    {
        var random = new Xoshiro4(seed);
        var threshold = Vector256.Create((uint)Math.Min(uint.MaxValue, Math.Round(P * 4294967296.0)));
        var keep = Vector256.Create((float)(1 / (1 - P)));
        Span<float> tail = stackalloc float[Vector256<float>.Count];
        for (int i = 0; i < values.Length; i += Vector256<float>.Count)
        {
            var drawn = Vector256.ConditionalSelect(Vector256.LessThan(random.Next().AsUInt32(), threshold).AsSingle(), Vector256<float>.Zero, keep);
            if (i + Vector256<float>.Count <= values.Length) drawn.StoreUnsafe(ref values[i]);
            else
            {
                drawn.CopyTo(tail);
                tail[..(values.Length - i)].CopyTo(values[i..]);
            }
        }
    }

    /// <summary>Four xoshiro256** generators (Blackman &amp; Vigna) in vector lanes, their states spread from one seed by splitmix64.</summary>
    struct Xoshiro4
    {
        Vector256<ulong> _s0, _s1, _s2, _s3;

        public Xoshiro4(ulong seed)
        {
            _s0 = Lanes(ref seed); _s1 = Lanes(ref seed); _s2 = Lanes(ref seed); _s3 = Lanes(ref seed);
        }

        /// <summary>The four generators' next draws: rotl(s₁·5, 7)·9, then the xoshiro256 state update.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public Vector256<ulong> Next()
        {
            var times5 = (_s1 << 2) + _s1;
            var rotated = (times5 << 7) | (times5 >>> 57);
            var result = (rotated << 3) + rotated;
            var t = _s1 << 17;
            _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t;
            _s3 = (_s3 << 45) | (_s3 >>> 19);
            return result;
        }

        static Vector256<ulong> Lanes(ref ulong seed) =>
            Vector256.Create(SplitMix(ref seed), SplitMix(ref seed), SplitMix(ref seed), SplitMix(ref seed));

        static ulong SplitMix(ref ulong x)
        {
            ulong z = x += 0x9E3779B97F4A7C15;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }
    }
}
