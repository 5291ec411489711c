using System.Buffers.Binary;
using System.Text.Unicode;
using System.Text.Json;

namespace LmuSharp.Serialization;

/// <summary>
/// The strict safetensors parser (hand-written: no package on the mirror provides one). Every defect
/// becomes an <see cref="InvalidDataException"/> naming it: short file, header length past the end,
/// non-UTF-8 or invalid JSON, unknown dtype or field, bad shape or offsets, offsets out of range,
/// overlapping, unaligned or non-tiling tensors, shape/size disagreement, duplicate names.
/// </summary>
internal static class SafeTensorsReader
{
    public const string MetadataKey = "__metadata__";

    /// <summary>The header size limit of the reference implementation (100 MB).</summary>
    const long MaxHeaderLength = 100_000_000;

    sealed record Entry(string Name, SafeTensorDType DType, long[] Shape, long Begin, long End);

    public static SafeTensorsFile Parse(ReadOnlyMemory<byte> file)
    {
        if (file.Length < 8) throw Invalid($"file is {file.Length} bytes, shorter than the 8-byte header length field");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(file.Span);
        long available = file.Length - 8;
        if (headerLength > (ulong)available)
            throw Invalid($"header length {headerLength} runs past the end of the file ({available} bytes follow the length field)");
        if ((long)headerLength > MaxHeaderLength) throw Invalid($"header length {headerLength} exceeds the {MaxHeaderLength}-byte limit");
        var header = file.Span.Slice(8, (int)headerLength);
        var buffer = file[(8 + (int)headerLength)..];

        var (entries, metadata) = ParseHeader(header);
        CheckLayout(entries, buffer.Length);
        var tensors = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
        foreach (var e in entries)
            tensors.Add(e.Name, new SafeTensor(e.DType, e.Shape, buffer[(int)e.Begin..(int)e.End]));
        return new SafeTensorsFile(tensors, metadata);
    }

    static (List<Entry>, Dictionary<string, string>) ParseHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length == 0 || header[0] != (byte)'{') throw Invalid("header does not start with '{'");
        if (!Utf8.IsValid(header)) throw Invalid("header is not valid UTF-8");
        JsonDocument document;
        try { document = JsonDocument.Parse(header.ToArray()); }
        catch (JsonException e) { throw Invalid($"header is not valid JSON: {e.Message}"); }
        using (document)
        {
            var entries = new List<Entry>();
            Dictionary<string, string>? metadata = null;
            var names = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (!names.Add(property.Name)) throw Invalid($"duplicate name '{property.Name}' in the header");
                    if (property.Name == MetadataKey) metadata = ParseMetadata(property.Value);
                    else entries.Add(ParseEntry(property.Name, property.Value));
                }
            }
            catch (InvalidOperationException e) // System.Text.Json's report of an escaped lone surrogate (\ud800)
            {
                throw Invalid($"header has a string that is not valid Unicode: {e.Message}");
            }
            return (entries, metadata ?? []);
        }
    }

    static Dictionary<string, string> ParseMetadata(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) throw Invalid($"{MetadataKey} is a JSON {value.ValueKind}, expected an object of strings");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String) throw Invalid($"{MetadataKey}['{item.Name}'] is a JSON {item.Value.ValueKind}, expected a string");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!)) throw Invalid($"duplicate key '{item.Name}' in {MetadataKey}");
        }
        return metadata;
    }

    static Entry ParseEntry(string name, JsonElement value)
    {
        if (name.Length == 0) throw Invalid("a tensor has an empty name");
        if (value.ValueKind != JsonValueKind.Object) throw Invalid($"tensor '{name}': entry is a JSON {value.ValueKind}, expected an object");
        string? dtypeName = null;
        long[]? shape = null, offsets = null;
        foreach (var field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when dtypeName is null:
                    dtypeName = field.Value.ValueKind == JsonValueKind.String ? field.Value.GetString()! : throw Invalid($"tensor '{name}': dtype is not a string");
                    break;
                case "shape" when shape is null:
                    shape = ParseIntegers(name, "shape", field.Value);
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ParseIntegers(name, "data_offsets", field.Value);
                    break;
                case "dtype" or "shape" or "data_offsets":
                    throw Invalid($"tensor '{name}': duplicate field '{field.Name}'");
                default:
                    throw Invalid($"tensor '{name}': unknown field '{field.Name}'");
            }
        }
        if (dtypeName is null || shape is null || offsets is null)
            throw Invalid($"tensor '{name}': missing field '{(dtypeName is null ? "dtype" : shape is null ? "shape" : "data_offsets")}'");
        if (!SafeTensorDTypes.TryParse(dtypeName, out var dtype)) throw Invalid($"tensor '{name}': unknown dtype '{dtypeName}'");
        if (offsets.Length != 2) throw Invalid($"tensor '{name}': data_offsets has {offsets.Length} entries, expected [begin, end]");
        if (offsets[1] < offsets[0]) throw Invalid($"tensor '{name}': data_offsets [{offsets[0]}, {offsets[1]}] end before they begin");
        long? count = SafeTensor.ElementCountOf(shape);
        long size = dtype.ElementSize();
        if (count is null || count > long.MaxValue / size) throw Invalid($"tensor '{name}': shape [{string.Join(", ", shape)}] is too large");
        if (count * size != offsets[1] - offsets[0])
            throw Invalid($"tensor '{name}': shape [{string.Join(", ", shape)}] of {dtypeName} needs {count * size} bytes but data_offsets [{offsets[0]}, {offsets[1]}] span {offsets[1] - offsets[0]}");
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    static long[] ParseIntegers(string name, string field, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array) throw Invalid($"tensor '{name}': {field} is a JSON {value.ValueKind}, expected an array of non-negative integers");
        var result = new long[value.GetArrayLength()];
        int i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long n) || n < 0)
                throw Invalid($"tensor '{name}': {field}[{i}] = {item.GetRawText()} is not a non-negative 64-bit integer");
            result[i++] = n;
        }
        return result;
    }

    /// <summary>Tensors must tile the data buffer exactly, in offset order, each aligned to its element size.</summary>
    static void CheckLayout(List<Entry> entries, int bufferLength)
    {
        foreach (var e in entries)
        {
            if (e.End > bufferLength) throw Invalid($"tensor '{e.Name}': data_offsets [{e.Begin}, {e.End}] out of range of the {bufferLength}-byte data buffer");
            if (e.Begin % e.DType.ElementSize() != 0) throw Invalid($"tensor '{e.Name}': offset {e.Begin} is not aligned to its {e.DType.ElementSize()}-byte elements");
        }
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long position = 0;
        string previous = "the start of the data buffer";
        foreach (var e in entries)
        {
            if (e.Begin < position) throw Invalid($"tensor '{e.Name}' (bytes {e.Begin}..{e.End}) overlaps {previous}");
            if (e.Begin > position) throw Invalid($"bytes {position}..{e.Begin} between {previous} and tensor '{e.Name}' belong to no tensor");
            position = e.End;
            previous = $"tensor '{e.Name}'";
        }
        if (position != bufferLength) throw Invalid($"bytes {position}..{bufferLength} after {previous} belong to no tensor");
    }

    static InvalidDataException Invalid(string problem) => new($"invalid safetensors file: {problem}.");
}
