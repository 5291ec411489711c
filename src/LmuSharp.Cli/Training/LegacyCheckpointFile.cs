using System.Buffers.Binary;

namespace LmuSharp.Cli.Training;

/// <summary>
/// Reads checkpoints of the first format ("LMUCKPT1": a length-prefixed JSON header, then the model,
/// optimiser and RNG state back to back, with no lengths or checksums), so that runs saved before the
/// checked format can still be evaluated, exported and resumed. Such a file cannot be verified; its header
/// is bounds-checked, the rest is restored as it is, and the next save of a resumed run writes the checked format.
/// </summary>
static class LegacyCheckpointFile
{
    /// <summary>The section holding the model, optimiser and RNG state of an old-format file, in that order.</summary>
    public const string TorchSection = "legacy";

    static ReadOnlySpan<byte> Magic => "LMUCKPT1"u8;

    /// <summary>Whether the bytes start like an old-format checkpoint.</summary>
    public static bool Is(byte[] bytes) => bytes.AsSpan().StartsWith(Magic);

    /// <summary>Splits an old-format file into its header and the unverified rest.</summary>
    public static CheckpointFile Parse(byte[] bytes, string path)
    {
        if (bytes.Length < 12) throw new InvalidDataException($"{path}: checkpoint truncated at byte {bytes.Length} (the header needs 12 bytes); the file was cut short.");
        int length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        if (length <= 0 || length > bytes.Length - 12) throw CheckpointFile.Corrupt(path, $"header length {length} does not fit the file's {bytes.Length} bytes");
        Console.Error.WriteLine($"lmu: note: {path} has the old checkpoint format (LMUCKPT1), which carries no checksums; it is read unverified, and a resumed run saves the checked format.");
        return CheckpointFile.FromSections(path, new(StringComparer.Ordinal)
        {
            [Checkpoint.HeaderSection] = bytes.AsMemory(12, length),
            [TorchSection] = bytes.AsMemory(12 + length),
        });
    }
}
