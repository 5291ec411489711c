namespace LmuSharp.Serialization;

/// <summary>
/// The contents of a safetensors file: named tensors plus the <c>__metadata__</c> string map.
/// Layout (https://github.com/huggingface/safetensors): an 8-byte little-endian header length n, n bytes
/// of UTF-8 JSON {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {..}},
/// then the data buffer, which the tensors tile exactly (offsets relative to the buffer start).
/// </summary>
public sealed class SafeTensorsFile
{
    /// <summary>Groups tensors and metadata (the dictionaries are copied).</summary>
    /// <param name="tensors">Tensors by name; names must be non-empty and not <c>__metadata__</c>.</param>
    /// <param name="metadata">The free-form string map stored as <c>__metadata__</c> (may be null).</param>
    public SafeTensorsFile(IReadOnlyDictionary<string, SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name) || name == SafeTensorsReader.MetadataKey)
                throw new ArgumentException($"tensor name '{name}' is not allowed (empty or reserved).", nameof(tensors));
            ArgumentNullException.ThrowIfNull(tensor, $"{nameof(tensors)}[{name}]");
        }
        Tensors = new Dictionary<string, SafeTensor>(tensors, StringComparer.Ordinal);
        Metadata = metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(metadata, StringComparer.Ordinal);
    }

    /// <summary>The tensors by name.</summary>
    public IReadOnlyDictionary<string, SafeTensor> Tensors { get; }

    /// <summary>The <c>__metadata__</c> map (empty if the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads and validates a file (the whole file is read into memory).</summary>
    /// <param name="path">The file to read.</param>
    /// <exception cref="InvalidDataException">The file is not a well-formed safetensors file; the message names the problem.</exception>
    public static SafeTensorsFile Read(string path) => Parse(File.ReadAllBytes(path));

    /// <summary>Validates and parses the bytes of a file; tensors view <paramref name="bytes"/> without copying.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed safetensors file; the message names the problem.</exception>
    public static SafeTensorsFile Parse(ReadOnlyMemory<byte> bytes) => SafeTensorsReader.Parse(bytes);

    /// <summary>The file's bytes: header padded with spaces to a multiple of 8, tensors ordered by element size (largest first) then name, so every tensor is aligned to its element size.</summary>
    public byte[] ToBytes() => SafeTensorsWriter.ToBytes(this);

    /// <summary>Writes the file atomically: to a temporary file in the same folder, flushed to disk, then renamed over <paramref name="path"/>.</summary>
    /// <param name="path">The destination; replaced if it exists.</param>
    public void Write(string path)
    {
        var bytes = ToBytes();
        LmuSharp.IO.AtomicFile.Write(path, s => s.Write(bytes));
    }
}
