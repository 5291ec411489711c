using System.Buffers.Binary;
using System.IO.Compression;

namespace LmuSharp.Cli.Data;

/// <summary>
/// Reader for the IDX format of the MNIST files (raw or gzip-compressed): a big-endian magic number
/// 0x0000_08_NN (unsigned bytes, NN dimensions), NN big-endian int32 sizes, then the data. Strict: a
/// wrong magic, a non-positive size, or a file longer or shorter than its header says is refused.
/// Hand-written: no package on the mirror reads IDX.
/// </summary>
static class Idx
{
    /// <summary>Reads an IDX file of unsigned bytes with the expected number of dimensions.</summary>
    public static (int[] Shape, byte[] Data) Read(string path, int dimensions)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            try
            {
                using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var raw = new MemoryStream();
                gz.CopyTo(raw);
                bytes = raw.ToArray();
            }
            catch (InvalidDataException e) { throw new InvalidDataException($"{path}: corrupt gzip data ({e.Message})."); }
        }
        int header = 4 + 4 * dimensions;
        if (bytes.Length < header)
            throw new InvalidDataException($"{path}: {bytes.Length} bytes is shorter than an IDX header ({header} bytes); the file is truncated.");
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if (magic != (0x0800u | (uint)dimensions))
            throw new InvalidDataException($"{path}: IDX magic 0x{magic:X8}, expected 0x{0x0800 | dimensions:X8} (unsigned bytes, {dimensions} dimensions).");
        var shape = new int[dimensions];
        long size = 1;
        for (int i = 0; i < dimensions; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (shape[i] <= 0) throw new InvalidDataException($"{path}: dimension {i} has size {shape[i]}; sizes must be positive.");
            size *= shape[i];
        }
        if (bytes.Length - header != size)
            throw new InvalidDataException($"{path}: header says {size} data bytes but the file holds {bytes.Length - header}; the file is {(bytes.Length - header < size ? "truncated" : "too long")}.");
        return (shape, bytes[header..]);
    }
}
