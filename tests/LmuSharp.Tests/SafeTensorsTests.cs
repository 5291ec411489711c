using System.Buffers.Binary;
using System.Text;
using LmuSharp.Serialization;

namespace LmuSharp.Tests;

public class SafeTensorsTests
{
    static SafeTensorsFile Sample() => new(
        new Dictionary<string, SafeTensor>
        {
            ["layers.0.weight"] = SafeTensor.FromSingles([1f, -2.5f, 3e-8f, float.MaxValue, 0f, -0f], 2, 3),
            ["layers.0.bias"] = SafeTensor.FromSingles([0.25f, 7f], 2),
            ["bytes"] = new SafeTensor(SafeTensorDType.U8, [3], new byte[] { 1, 2, 3 }),
            ["scalar"] = new SafeTensor(SafeTensorDType.F64, [], BitConverter.GetBytes(Math.PI)),
            ["empty"] = new SafeTensor(SafeTensorDType.I16, [0, 4], Array.Empty<byte>()),
        },
        new Dictionary<string, string> { ["format"] = "lmusharp", ["note"] = "ünïcode \"quoted\" <tag>" });

    /// <summary>A file built by hand, byte by byte, from a header string.</summary>
    static byte[] Build(string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    static InvalidDataException Rejects(byte[] bytes, string expectedWords)
    {
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Parse(bytes));
        Assert.Contains(expectedWords, e.Message);
        return e;
    }

    [Fact]
    public void Round_trip_keeps_every_tensor_and_metadata_bit_for_bit()
    {
        var original = Sample();
        var back = SafeTensorsFile.Parse(original.ToBytes());
        Assert.Equal(original.Metadata, back.Metadata);
        Assert.Equal(original.Tensors.Keys.Order(), back.Tensors.Keys.Order());
        foreach (var (name, tensor) in original.Tensors)
        {
            Assert.Equal(tensor.DType, back.Tensors[name].DType);
            Assert.Equal(tensor.Shape, back.Tensors[name].Shape);
            Assert.Equal(tensor.Data.ToArray(), back.Tensors[name].Data.ToArray());
        }
        Assert.Equal([1f, -2.5f, 3e-8f, float.MaxValue, 0f, -0f], back.Tensors["layers.0.weight"].ToSingles());
    }

    [Fact]
    public void Random_files_round_trip_exactly()
    {
        var random = new Random(42);
        var dtypes = Enum.GetValues<SafeTensorDType>();
        for (int trial = 0; trial < 300; trial++)
        {
            var tensors = new Dictionary<string, SafeTensor>();
            for (int t = random.Next(0, 6); t > 0; t--)
            {
                var dtype = dtypes[random.Next(dtypes.Length)];
                long[] shape = Enumerable.Range(0, random.Next(0, 4)).Select(_ => (long)random.Next(0, 5)).ToArray();
                var data = new byte[shape.Aggregate(1L, (p, d) => p * d) * dtype.ElementSize()];
                random.NextBytes(data);
                tensors[$"t{random.Next(1000)}.ü{t}"] = new SafeTensor(dtype, shape, data);
            }
            var metadata = Enumerable.Range(0, random.Next(0, 3)).ToDictionary(i => $"k{i}\"\\", i => $"v{random.Next()}\n");
            var back = SafeTensorsFile.Parse(new SafeTensorsFile(tensors, metadata).ToBytes());
            Assert.Equal(metadata, back.Metadata);
            Assert.Equal(tensors.Keys.Order(), back.Tensors.Keys.Order());
            foreach (var (name, tensor) in tensors)
            {
                Assert.Equal(tensor.DType, back.Tensors[name].DType);
                Assert.Equal(tensor.Shape, back.Tensors[name].Shape);
                Assert.Equal(tensor.Data.ToArray(), back.Tensors[name].Data.ToArray());
            }
        }
    }

    [Fact]
    public void Written_layout_is_the_reference_layout()
    {
        var bytes = Sample().ToBytes();
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0ul, n % 8); // header padded to 8 bytes with spaces
        var header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"lmusharp\"", header);
        // 8-byte elements first, then 4-byte (by name), then 2-byte, then 1-byte: every offset aligned.
        Assert.Contains("\"scalar\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]}", header);
        Assert.Contains("\"layers.0.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}", header);
        Assert.Contains("\"layers.0.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[16,40]}", header);
        Assert.Contains("\"empty\":{\"dtype\":\"I16\",\"shape\":[0,4],\"data_offsets\":[40,40]}", header);
        Assert.Contains("\"bytes\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[40,43]}", header);
        Assert.Equal(8 + (int)n + 43, bytes.Length);
        Assert.Equal(Math.PI, BitConverter.ToDouble(bytes, 8 + (int)n));
    }

    [Fact]
    public void Reads_a_file_built_by_hand_as_the_reference_library_writes_it()
    {
        var data = new byte[12];
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(0), 1.5f);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4), -2f);
        data[8] = 9; data[9] = 0; data[10] = 0xFF; data[11] = 0x7F;
        var file = SafeTensorsFile.Parse(Build(
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [1, 2], \"data_offsets\": [0, 8]}, \"b\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[8,12]}, \"__metadata__\": {\"k\": \"v\"}}   ",
            data));
        Assert.Equal([1.5f, -2f], file.Tensors["a"].ToSingles());
        Assert.Equal([1L, 2L], file.Tensors["a"].Shape);
        Assert.Equal(SafeTensorDType.I16, file.Tensors["b"].DType);
        Assert.Equal("v", file.Metadata["k"]);
    }

    [Fact]
    public void Write_is_atomic_and_replaces_an_existing_file()
    {
        var folder = Directory.CreateTempSubdirectory("lmusharp-st-");
        try
        {
            var path = Path.Combine(folder.FullName, "model.safetensors");
            File.WriteAllText(path, "old contents");
            Sample().Write(path);
            Assert.Equal(Sample().ToBytes(), File.ReadAllBytes(path));
            Assert.Single(folder.GetFiles()); // no temporary left behind
            Assert.Equal(Sample().Metadata, SafeTensorsFile.Read(path).Metadata);
        }
        finally { folder.Delete(recursive: true); }
    }

    static readonly byte[] EightBytes = new byte[8];
    const string F32 = "\"dtype\":\"F32\"";

    public static TheoryData<string, byte[], string> MalformedHeaders => new()
    {
        { "{not JSON}", EightBytes, "not valid JSON" },
        { "{\"a\":{" + F32 + ",\"shape\":[2],\"data_offsets\":[0,8]}", EightBytes, "not valid JSON" },
        { "[1,2]", EightBytes, "does not start with '{'" },
        { "{\"a\":{\"dtype\":\"F31\",\"shape\":[2],\"data_offsets\":[0,8]}}", EightBytes, "unknown dtype 'F31'" },
        { "{\"a\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", EightBytes, "unknown dtype 'f32'" },
        { "{\"a\":{" + F32 + ",\"shape\":[2],\"data_offsets\":[0,16]}}", EightBytes, "needs 8 bytes but data_offsets [0, 16] span 16" },
        { "{\"a\":{" + F32 + ",\"shape\":[4],\"data_offsets\":[0,16]}}", EightBytes, "out of range" },
        { "{\"a\":{" + F32 + ",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{" + F32 + ",\"shape\":[1],\"data_offsets\":[0,4]}}", EightBytes, "overlaps tensor 'a'" },
        { "{\"a\":{" + F32 + ",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{" + F32 + ",\"shape\":[1],\"data_offsets\":[4,8]}}", EightBytes, "overlaps" },
        { "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[4,8]}, \"c\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[8,8]}}", EightBytes, "bytes 2..4 between tensor 'a' and tensor 'b' belong to no tensor" },
        { "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"b\":{" + F32 + ",\"shape\":[1],\"data_offsets\":[1,5]}}", EightBytes, "not aligned" },
        { "{\"a\":{" + F32 + ",\"shape\":[1],\"data_offsets\":[4,8]}}", EightBytes, "bytes 0..4 between the start of the data buffer and tensor 'a' belong to no tensor" },
        { "{\"a\":{" + F32 + ",\"shape\":[1],\"data_offsets\":[0,4]}}", EightBytes, "bytes 4..8 after tensor 'a' belong to no tensor" },
        { "{\"a\":{" + F32 + ",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{" + F32 + ",\"shape\":[2],\"data_offsets\":[0,8]}}", EightBytes, "duplicate name 'a'" },
        { "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"},\"a\":{" + F32 + ",\"shape\":[2],\"data_offsets\":[0,8]}}", EightBytes, "duplicate key 'k'" },
        { "{\"__metadata__\":{\"k\":1},\"a\":{" + F32 + ",\"shape\":[2],\"data_offsets\":[0,8]}}", EightBytes, "expected a string" },
        { "{\"__metadata__\":[],\"a\":{" + F32 + ",\"shape\":[2],\"data_offsets\":[0,8]}}", EightBytes, "expected an object of strings" },
        { "{\"a\":{" + F32 + ",\"shape\":[-2],\"data_offsets\":[0,8]}}", EightBytes, "shape[0] = -2" },
        { "{\"a\":{" + F32 + ",\"shape\":[2.5],\"data_offsets\":[0,8]}}", EightBytes, "shape[0] = 2.5" },
        { "{\"a\":{" + F32 + ",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", EightBytes, "too large" },
        { "{\"a\":{" + F32 + ",\"shape\":[2],\"data_offsets\":[8,0]}}", EightBytes, "end before they begin" },
        { "{\"a\":{" + F32 + ",\"shape\":[2],\"data_offsets\":[0,8,9]}}", EightBytes, "expected [begin, end]" },
        { "{\"a\":{" + F32 + ",\"shape\":[2]}}", EightBytes, "missing field 'data_offsets'" },
        { "{\"a\":{" + F32 + ",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":1}}", EightBytes, "unknown field 'extra'" },
        { "{\"a\":{" + F32 + "," + F32 + ",\"shape\":[2],\"data_offsets\":[0,8]}}", EightBytes, "duplicate field 'dtype'" },
        { "{\"a\":[]}", EightBytes, "expected an object" },
        { "{\"\":{" + F32 + ",\"shape\":[2],\"data_offsets\":[0,8]}}", EightBytes, "empty name" },
    };

    [Theory]
    [MemberData(nameof(MalformedHeaders))]
    public void Malformed_headers_are_rejected_naming_the_problem(string header, byte[] data, string expected) =>
        Rejects(Build(header, data), expected);

    [Fact]
    public void Header_length_problems_are_rejected()
    {
        Rejects([1, 2, 3], "shorter than the 8-byte header length field");
        var good = Sample().ToBytes();
        var tooLong = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(tooLong, (ulong)good.Length);
        Rejects(tooLong, "runs past the end of the file");
        var huge = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(huge, ulong.MaxValue);
        Rejects(huge, "runs past the end of the file");
        var tooShort = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(tooShort, 5);
        Rejects(tooShort, "not valid JSON");
        Rejects(Build("", []), "does not start with '{'");
        Rejects(Build("{\"a\":\"\xff\"}", []).Select((b, i) => i == 14 ? (byte)0xFF : b).ToArray(), "not valid UTF-8");
    }

    [Theory]
    [InlineData("{\"\\ud800\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}")]
    [InlineData("{\"__metadata__\":{\"k\":\"\\udc00x\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}")]
    public void Escaped_lone_surrogates_are_rejected(string header) =>
        Rejects(Build(header, EightBytes), "not valid Unicode");

    [Fact]
    public void Escaped_characters_are_read()
    {
        var file = SafeTensorsFile.Parse(Build("{\"a\\u00e9\":{\"dtype\":\"F\\u0033\\u0032\",\"shape\":[2],\"data_offsets\":[0,8]},\"__metadata__\":{\"\\u0000\":\"\\ud83d\\ude00\"}}", EightBytes));
        Assert.Equal(SafeTensorDType.F32, file.Tensors["aé"].DType);
        Assert.Equal("😀", file.Metadata["\0"]);
    }

    [Fact]
    public void Truncated_file_is_rejected() =>
        Rejects(Sample().ToBytes()[..^1], "out of range");

    [Fact]
    public void Constructors_refuse_inconsistent_tensors()
    {
        Assert.Throws<ArgumentException>(() => new SafeTensor(SafeTensorDType.F32, [3], new byte[8]));
        Assert.Throws<ArgumentException>(() => new SafeTensor(SafeTensorDType.F32, [-1], new byte[0]));
        Assert.Throws<ArgumentException>(() => new SafeTensorsFile(new Dictionary<string, SafeTensor> { ["__metadata__"] = SafeTensor.FromSingles([1f], 1) }));
        Assert.Throws<InvalidOperationException>(() => new SafeTensor(SafeTensorDType.I32, [1], new byte[4]).ToSingles());
    }

    /// <summary>
    /// Random truncations, byte flips and header-length edits of valid files: the reader returns a file or
    /// throws InvalidDataException, nothing else, and every parse finishes quickly (seeded; bounded time).
    /// </summary>
    [Fact]
    public void Fuzzed_files_give_only_InvalidDataException()
    {
        var random = new Random(20261122);
        var seeds = new[] { Sample().ToBytes(), SmallModelBytes() };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int rejected = 0, accepted = 0;
        for (int trial = 0; trial < 20_000; trial++)
        {
            var bytes = Mutate(seeds[trial % seeds.Length], random);
            var start = clock.Elapsed;
            try { SafeTensorsFile.Parse(bytes); accepted++; }
            catch (InvalidDataException) { rejected++; }
            Assert.True(clock.Elapsed - start < TimeSpan.FromSeconds(1), $"trial {trial} took {clock.Elapsed - start}");
        }
        Assert.True(rejected > 1000 && accepted > 100, $"{rejected} rejected, {accepted} accepted: the mutations should produce both");
    }

    static byte[] SmallModelBytes() => new SafeTensorsFile(
        new Dictionary<string, SafeTensor>
        {
            ["w"] = SafeTensor.FromSingles(new float[12], 3, 4),
            ["b"] = SafeTensor.FromSingles(new float[3], 3),
        },
        new Dictionary<string, string> { ["layers"] = "1" }).ToBytes();

    static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        int headerEnd = Math.Min(bytes.Length, 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        switch (random.Next(6))
        {
            case 0: return bytes[..random.Next(bytes.Length)];
            case 1: // flip bits inside the header (where the structure is)
                for (int k = random.Next(1, 4); k > 0; k--) bytes[random.Next(8, headerEnd)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 2: // replace a header byte by a structural character or digit
                bytes[random.Next(8, headerEnd)] = (byte)"{}[],:\"0123456789-.e "[random.Next(21)];
                return bytes;
            case 3: // insert an escape sequence into the header, keeping the header length consistent
                var escape = Encoding.ASCII.GetBytes(new[] { "\\ud800", "\\udc00", "\\u0000", "\\\"", "\\n", "\\" }[random.Next(6)]);
                int at = random.Next(8, headerEnd);
                var longer = bytes[..at].Concat(escape).Concat(bytes[at..]).ToArray();
                BinaryPrimitives.WriteUInt64LittleEndian(longer, (ulong)(headerEnd - 8 + escape.Length));
                return longer;
            case 4: // edit the header length
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(headerEnd - 8 + random.Next(-16, 17)));
                return bytes;
            default:
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                return bytes;
        }
    }
}
