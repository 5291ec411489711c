using System.Numerics;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>
/// Inverted dropout, as <c>nn.Dropout(p)</c>: in training each element is zeroed with probability p and the others
/// are scaled by 1/(1 − p); in evaluation the input passes unchanged. On CPU the mask comes from a xoshiro256**
/// generator written here, seeded on every call from TorchSharp's generator (so <c>torch.manual_seed</c> still makes
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
        using var mask = Mask(input.shape, input.dtype);
        return input * mask;
    }

    /// <summary>A mask of 0 and 1/(1 − p), each element 0 with probability p (to 2⁻³² resolution).</summary>
    Tensor Mask(long[] shape, ScalarType dtype)
    {
        using var seedTensor = randint(long.MaxValue, [1], ScalarType.Int64);
        var random = new Xoshiro(unchecked((ulong)seedTensor.item<long>()));
        var mask = empty(shape, ScalarType.Float32);
        var values = MemoryMarshal.Cast<byte, float>(mask.bytes);
        uint threshold = (uint)Math.Min(uint.MaxValue, Math.Round(P * 4294967296.0)); // zero when a 32-bit draw is below p·2³²
        float keep = (float)(1 / (1 - P));
        for (int i = 0; i < values.Length; i += 2)
        {
            ulong bits = random.Next();
            values[i] = (uint)bits < threshold ? 0 : keep;
            if (i + 1 < values.Length) values[i + 1] = (uint)(bits >> 32) < threshold ? 0 : keep;
        }
        return dtype == ScalarType.Float32 ? mask : mask.to(dtype);
    }

    /// <summary>xoshiro256** (Blackman &amp; Vigna), its state spread from one seed by splitmix64.</summary>
    struct Xoshiro
    {
        ulong _s0, _s1, _s2, _s3;

        public Xoshiro(ulong seed)
        {
            _s0 = SplitMix(ref seed); _s1 = SplitMix(ref seed); _s2 = SplitMix(ref seed); _s3 = SplitMix(ref seed);
        }

        public ulong Next()
        {
            ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9, t = _s1 << 17;
            _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t;
            _s3 = BitOperations.RotateLeft(_s3, 45);
            return result;
        }

        static ulong SplitMix(ref ulong x)
        {
            ulong z = x += 0x9E3779B97F4A7C15;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }
    }
}
