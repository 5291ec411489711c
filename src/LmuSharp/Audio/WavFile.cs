using NAudio.Wave;
using LmuSharp.IO;

namespace LmuSharp.Audio;

/// <summary>
/// Mono WAV files through NAudio.Core: reads 16-bit PCM or 32-bit IEEE float at one expected sample rate
/// (no resampling: a file at another rate, with more channels, or in another encoding is refused with a
/// message naming the file and what was expected), and writes 16-bit PCM atomically.
/// </summary>
public static class WavFile
{
    /// <summary>Reads a mono WAV file as samples in [−1, 1].</summary>
    /// <param name="path">The .wav file.</param>
    /// <param name="sampleRate">The rate the caller expects, in Hz (e.g. 16,000).</param>
    /// <exception cref="InvalidDataException">The file is not a WAV file, is truncated, or has another rate, channel count or encoding.</exception>
    public static float[] Read(string path, int sampleRate)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such WAV file.", path);
        WaveFileReader reader;
        try { reader = new WaveFileReader(path); }
        catch (Exception e) when (e is FormatException or EndOfStreamException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: not a readable WAV file ({e.Message.TrimEnd('.')}).", e);
        }
        using (reader)
        {
            var format = reader.WaveFormat;
            Check(path, format, sampleRate);
            var (declared, present) = DataChunk(path);
            if (declared > present)
                throw new InvalidDataException($"{path}: truncated WAV: the header declares {declared:N0} bytes of samples, the file holds {present:N0}.");
            var bytes = new byte[reader.Length];
            reader.ReadExactly(bytes);
            return format.Encoding == WaveFormatEncoding.Pcm ? FromPcm16(bytes) : FromFloat32(bytes);
        }
    }

    /// <summary>Writes samples (clipped to [−1, 1]) as a mono 16-bit PCM WAV file, atomically.</summary>
    /// <param name="path">The .wav file to write.</param>
    /// <param name="samples">The samples.</param>
    /// <param name="sampleRate">The sample rate in Hz.</param>
    public static void Write(string path, ReadOnlySpan<float> samples, int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        var pcm = ToPcm16(samples);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new WaveFileWriter(new NonClosingStream(stream), new WaveFormat(sampleRate, 16, 1));
            writer.Write(pcm, 0, pcm.Length);
        });
    }

    /// <summary>Little-endian 16-bit PCM bytes as samples in [−1, 1) (x / 32,768), e.g. raw audio read from a pipe.</summary>
    /// <param name="bytes">An even number of bytes.</param>
    public static float[] FromPcm16(ReadOnlySpan<byte> bytes)
    {
        var samples = new float[bytes.Length / 2];
        for (int i = 0; i < samples.Length; i++) samples[i] = (short)(bytes[2 * i] | (bytes[2 * i + 1] << 8)) / 32768f;
        return samples;
    }

    static float[] FromFloat32(byte[] bytes) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();

    static byte[] ToPcm16(ReadOnlySpan<float> samples)
    {
        var bytes = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++)
        {
            short s = (short)Math.Round(Math.Clamp(samples[i], -1f, 1f) * 32767f);
            bytes[2 * i] = (byte)s;
            bytes[2 * i + 1] = (byte)(s >> 8);
        }
        return bytes;
    }

    /// <summary>
    /// The data chunk's declared size and the bytes the file holds after its header, walking the RIFF chunks
    /// (NAudio's reader clamps a declared size to what is present, so it cannot tell a truncated file).
    /// </summary>
    static (long Declared, long Present) DataChunk(string path)
    {
        using var file = File.OpenRead(path);
        using var reader = new BinaryReader(file);
        file.Position = 12; // "RIFF", size, "WAVE"
        while (file.Position + 8 <= file.Length)
        {
            var id = new string(reader.ReadChars(4));
            long size = reader.ReadUInt32();
            if (id == "data") return (size, file.Length - file.Position);
            file.Position += size + (size & 1);
        }
        return (0, 0);
    }

    static void Check(string path, WaveFormat format, int sampleRate)
    {
        bool pcm16 = format.Encoding == WaveFormatEncoding.Pcm && format.BitsPerSample == 16;
        bool float32 = format.Encoding == WaveFormatEncoding.IeeeFloat && format.BitsPerSample == 32;
        if (!pcm16 && !float32)
            throw new InvalidDataException($"{path}: {format.Encoding} {format.BitsPerSample}-bit samples; expected 16-bit PCM or 32-bit float.");
        if (format.Channels != 1) throw new InvalidDataException($"{path}: {format.Channels} channels; expected mono.");
        if (format.SampleRate != sampleRate)
            throw new InvalidDataException($"{path}: sample rate {format.SampleRate} Hz; expected {sampleRate} Hz (resample it first, e.g. `sox in.wav -r {sampleRate} out.wav`).");
    }

    /// <summary>Lets NAudio's writer finish the header on dispose without closing the atomic file's stream.</summary>
    sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
        protected override void Dispose(bool disposing) => Flush();
    }
}
