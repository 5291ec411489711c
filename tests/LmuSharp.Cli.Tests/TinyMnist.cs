using System.Buffers.Binary;
using System.IO.Compression;

namespace LmuSharp.Cli.Tests;

/// <summary>Writes real IDX-format MNIST look-alikes: class k lights row band k of a 28 × 28 image, plus noise.</summary>
static class TinyMnist
{
    public static string Write(int train = 600, int test = 100, bool gzip = false)
    {
        var dir = LmuProcess.TempDirectory();
        var random = new Random(5);
        WriteSet(dir, "train", train, random, gzip);
        WriteSet(dir, "t10k", test, random, gzip);
        return dir;
    }

    static void WriteSet(string dir, string prefix, int count, Random random, bool gzip)
    {
        var labels = new byte[count];
        var images = new byte[count * 784];
        for (int n = 0; n < count; n++)
        {
            labels[n] = (byte)random.Next(10);
            for (int p = 0; p < 784; p++)
            {
                int row = p / 28;
                bool lit = row >= 2 + 2 * labels[n] && row < 4 + 2 * labels[n];
                images[n * 784 + p] = (byte)(lit ? 200 + random.Next(56) : random.Next(40));
            }
        }
        Save(Path.Combine(dir, $"{prefix}-images-idx3-ubyte"), Idx(0x0803, [count, 28, 28], images), gzip);
        Save(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte"), Idx(0x0801, [count], labels), gzip);
    }

    public static byte[] Idx(int magic, int[] shape, byte[] data)
    {
        var bytes = new byte[4 + 4 * shape.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int i = 0; i < shape.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), shape[i]);
        data.CopyTo(bytes, 4 + 4 * shape.Length);
        return bytes;
    }

    static void Save(string path, byte[] bytes, bool gzip)
    {
        if (!gzip) { File.WriteAllBytes(path, bytes); return; }
        using var file = File.Create(path + ".gz");
        using var gz = new GZipStream(file, CompressionLevel.Fastest);
        gz.Write(bytes);
    }
}
