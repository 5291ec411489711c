using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace LmuSharp.Torch.Training;

/// <summary>
/// The container of a training checkpoint: named sections, each with its length and an XxHash3 (64-bit)
/// checksum, so that a truncated or altered file is refused before anything is restored from it.
/// Managed code only: parsing and verifying never touch TorchSharp. Layout (little-endian, docs/FORMAT.md):
/// <code>
/// magic "LMUCKPT2" (8) · format version (u32) · section count n (u32)
/// n × { name (8 bytes ASCII, zero-padded) · length (i64) · XxHash3 of the section (u64) }
/// XxHash3 of every byte above (u64)
/// the n sections, in table order, back to back, nothing after them
/// </code>
/// </summary>
public sealed class CheckpointFile
{
    /// <summary>The format version written and read.</summary>
    public const int Version = 2;

    /// <summary>The most sections a file may declare (bounds the table a reader trusts).</summary>
    public const int MaxSections = 16;

    /// <summary>The first eight bytes of every checkpoint.</summary>
    public static ReadOnlySpan<byte> Magic => "LMUCKPT2"u8;

    const int FixedBytes = 16, EntryBytes = 24, NameBytes = 8;

    readonly Dictionary<string, ReadOnlyMemory<byte>> _sections;

    CheckpointFile(string path, Dictionary<string, ReadOnlyMemory<byte>> sections)
    {
        Path = path;
        _sections = sections;
    }

    /// <summary>The file the sections were read from (for messages).</summary>
    public string Path { get; }

    /// <summary>A section's bytes; a missing section is an <see cref="InvalidDataException"/> naming it.</summary>
    public ReadOnlyMemory<byte> Section(string name) =>
        _sections.TryGetValue(name, out var body) ? body : throw Corrupt(Path, $"section '{name}' is missing");

    /// <summary>Whether the file has a section of that name.</summary>
    public bool Has(string name) => _sections.ContainsKey(name);

    /// <summary>Writes the sections with their table and checksums.</summary>
    public static void Write(Stream stream, IReadOnlyList<(string Name, byte[] Body)> sections) =>
        Write(stream, sections.Select(s => (s.Name, (ReadOnlyMemory<byte>)s.Body)).ToList());

    /// <summary>Writes the sections with their table and checksums.</summary>
    public static void Write(Stream stream, IReadOnlyList<(string Name, ReadOnlyMemory<byte> Body)> sections)
    {
        var table = new byte[FixedBytes + EntryBytes * sections.Count + 8];
        Magic.CopyTo(table);
        BinaryPrimitives.WriteInt32LittleEndian(table.AsSpan(8), Version);
        BinaryPrimitives.WriteInt32LittleEndian(table.AsSpan(12), sections.Count);
        for (int i = 0; i < sections.Count; i++)
        {
            var entry = table.AsSpan(FixedBytes + EntryBytes * i, EntryBytes);
            Encoding.ASCII.GetBytes(sections[i].Name, entry[..NameBytes]);
            BinaryPrimitives.WriteInt64LittleEndian(entry[8..], sections[i].Body.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[16..], XxHash3.HashToUInt64(sections[i].Body.Span));
        }
        int tableEnd = table.Length - 8;
        BinaryPrimitives.WriteUInt64LittleEndian(table.AsSpan(tableEnd), XxHash3.HashToUInt64(table.AsSpan(0, tableEnd)));
        stream.Write(table);
        foreach (var (_, body) in sections) stream.Write(body.Span);
    }

    /// <summary>Parses and verifies a checkpoint's bytes; any defect is an <see cref="InvalidDataException"/> naming <paramref name="path"/>.</summary>
    public static CheckpointFile Parse(byte[] bytes, string path)
    {
        if (bytes.Length < FixedBytes) throw Truncated(path, bytes.Length, FixedBytes);
        if (!bytes.AsSpan(0, 8).SequenceEqual(Magic))
            throw new InvalidDataException($"{path} is not an lmu checkpoint (bad magic); give a best.ckpt or last.ckpt written by `lmu train`.");
        int version = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        if (version != Version) throw Corrupt(path, $"format version {version}; this lmu reads version {Version}");
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12));
        if (count is < 1 or > MaxSections) throw Corrupt(path, $"section count {count} is not in [1, {MaxSections}]");
        int tableEnd = FixedBytes + EntryBytes * count;
        if (bytes.Length < tableEnd + 8) throw Truncated(path, bytes.Length, tableEnd + 8);
        if (BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(tableEnd)) != XxHash3.HashToUInt64(bytes.AsSpan(0, tableEnd)))
            throw Corrupt(path, "checksum mismatch in the section table");
        return new CheckpointFile(path, ReadSections(bytes, path, count, tableEnd + 8));
    }

    /// <summary>Reads a checkpoint file whole and verifies it; a missing file is a <see cref="FileNotFoundException"/> naming it.</summary>
    public static CheckpointFile Read(string path) =>
        File.Exists(path) ? Parse(File.ReadAllBytes(path), path) : throw new FileNotFoundException($"checkpoint '{path}' does not exist.", path);

    /// <summary>Builds a checkpoint from sections already split by another reader (an older format).</summary>
    /// <param name="path">The file the sections came from (for messages).</param>
    /// <param name="sections">The sections by name.</param>
    public static CheckpointFile FromSections(string path, Dictionary<string, ReadOnlyMemory<byte>> sections) => new(path, sections);

    static Dictionary<string, ReadOnlyMemory<byte>> ReadSections(byte[] bytes, string path, int count, int start)
    {
        var sections = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        long at = start;
        for (int i = 0; i < count; i++)
        {
            var entry = bytes.AsSpan(FixedBytes + EntryBytes * i, EntryBytes);
            string name = SectionName(entry[..NameBytes], path, i);
            long length = BinaryPrimitives.ReadInt64LittleEndian(entry[8..]);
            if (length < 0 || length > bytes.Length - at)
                throw length < 0 ? Corrupt(path, $"section '{name}' has length {length}") : Truncated(path, bytes.Length, ExpectedLength(bytes, count, start));
            var body = new ReadOnlyMemory<byte>(bytes, (int)at, (int)length);
            if (BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]) != XxHash3.HashToUInt64(body.Span))
                throw Corrupt(path, $"checksum mismatch in section '{name}'");
            if (!sections.TryAdd(name, body)) throw Corrupt(path, $"section '{name}' appears twice");
            at += length;
        }
        if (at != bytes.Length) throw Corrupt(path, $"{bytes.Length - at} bytes of unknown data after the last section (byte {at})");
        return sections;
    }

    /// <summary>The file length the table declares (saturating, for the truncation message).</summary>
    static long ExpectedLength(byte[] bytes, int count, int start)
    {
        long total = start;
        for (int i = 0; i < count; i++)
        {
            long length = Math.Max(0, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(FixedBytes + EntryBytes * i + 8)));
            total = length > long.MaxValue - total ? long.MaxValue : total + length;
        }
        return total;
    }

    static string SectionName(ReadOnlySpan<byte> raw, string path, int index)
    {
        var name = raw.TrimEnd((byte)0);
        foreach (byte b in name)
            if (b is < (byte)'a' or > (byte)'z') throw Corrupt(path, $"section {index} has an invalid name");
        if (name.IsEmpty) throw Corrupt(path, $"section {index} has an empty name");
        return Encoding.ASCII.GetString(name);
    }

    static InvalidDataException Truncated(string path, long length, long expected) =>
        new($"{path}: checkpoint truncated at byte {length} (expected {expected} bytes); the file was cut short.");

    /// <summary>An error naming the file and what is wrong with it.</summary>
    public static InvalidDataException Corrupt(string path, string problem) => new($"{path}: corrupt checkpoint: {problem}.");
}
