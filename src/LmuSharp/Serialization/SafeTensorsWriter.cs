using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LmuSharp.Serialization;

/// <summary>Serialises a <see cref="SafeTensorsFile"/> in the layout the reference implementation writes.</summary>
internal static class SafeTensorsWriter
{
    public static byte[] ToBytes(SafeTensorsFile file)
    {
        // Largest elements first, then by name: every offset is then a multiple of its element size.
        var ordered = file.Tensors
            .OrderByDescending(t => t.Value.DType.ElementSize())
            .ThenBy(t => t.Key, StringComparer.Ordinal)
            .ToArray();
        var header = Header(file.Metadata, ordered);
        int padded = (header.Length + 7) / 8 * 8;
        long dataLength = ordered.Sum(t => (long)t.Value.Data.Length);
        var bytes = new byte[checked(8 + padded + dataLength)];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        header.CopyTo(bytes, 8);
        bytes.AsSpan(8 + header.Length, padded - header.Length).Fill((byte)' ');
        long position = 8 + padded;
        foreach (var (_, tensor) in ordered)
        {
            tensor.Data.Span.CopyTo(bytes.AsSpan((int)position));
            position += tensor.Data.Length;
        }
        return bytes;
    }

    static byte[] Header(IReadOnlyDictionary<string, string> metadata, KeyValuePair<string, SafeTensor>[] ordered)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata.Count > 0)
            {
                json.WriteStartObject(SafeTensorsReader.MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(m => m.Key, StringComparer.Ordinal)) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor) in ordered)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", tensor.DType.ToName());
                json.WriteStartArray("shape");
                foreach (long dimension in tensor.Shape) json.WriteNumberValue(dimension);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset += tensor.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        return stream.ToArray();
    }
}
