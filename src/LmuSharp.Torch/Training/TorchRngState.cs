using System.Buffers.Binary;

using TorchSharp;

namespace LmuSharp.Torch.Training;

/// <summary>
/// Saves and restores libtorch's CPU generator state. libtorch checks a state it is given by throwing a C++
/// error that TorchSharp does not translate (the process aborts), so a state is checked here first, against
/// the fields libtorch checks: its size and the Mersenne-Twister position (seeded, 1 ≤ left ≤ 624, next ≤ 624).
/// </summary>
public static class TorchRngState
{
    // Offsets in libtorch's CPUGeneratorImplStateLegacy, which starts every CPU generator state.
    const int LeftOffset = 8, SeededOffset = 12, NextOffset = 16, MersenneStateSize = 624;

    /// <summary>The current CPU generator state.</summary>
    public static byte[] Get()
    {
        using var state = torch.random.get_rng_state();
        return state.bytes.ToArray();
    }

    /// <summary>Restores a state saved by <see cref="Get"/>; a malformed one is an InvalidDataException naming <paramref name="path"/>.</summary>
    public static void Set(byte[] bytes, string path)
    {
        int expected = Get().Length;
        if (bytes.Length != expected) throw CheckpointFile.Corrupt(path, $"the RNG state has {bytes.Length} bytes, expected {expected}");
        int left = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(LeftOffset));
        int seeded = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(SeededOffset));
        ulong next = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(NextOffset));
        if (seeded == 0 || left is < 1 or > MersenneStateSize || (uint)next > MersenneStateSize)
            throw CheckpointFile.Corrupt(path, "the RNG state is not a valid Mersenne-Twister state");
        using var state = torch.tensor(bytes, dtype: torch.ScalarType.Byte);
        torch.random.set_rng_state(state);
    }
}
