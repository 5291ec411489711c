using LmuSharp.Audio;
using NAudio.Wave;

namespace LmuSharp.Tests.Audio;

public sealed class WavFileTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("lmu-wav-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string WriteWith(string name, WaveFormat format, byte[] data)
    {
        var path = Path.Combine(_dir, name);
        using (var writer = new WaveFileWriter(path, format)) writer.Write(data, 0, data.Length);
        return path;
    }

    [Fact]
    public void Sixteen_bit_round_trip_is_within_half_a_step()
    {
        var samples = Enumerable.Range(0, 1000).Select(i => (float)Math.Sin(i * 0.05) * 0.9f).ToArray();
        var path = Path.Combine(_dir, "a.wav");
        WavFile.Write(path, samples, 16_000);
        var read = WavFile.Read(path, 16_000);
        Assert.Equal(samples.Length, read.Length);
        for (int i = 0; i < samples.Length; i++) Assert.Equal(samples[i] * 32767f / 32768f, read[i], 1e-4f);
    }

    [Fact]
    public void Float_wav_is_read_as_is()
    {
        var samples = new[] { 0.25f, -0.5f, 1f };
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples.AsSpan()).ToArray();
        var path = WriteWith("f.wav", WaveFormat.CreateIeeeFloatWaveFormat(16_000, 1), bytes);
        Assert.Equal(samples, WavFile.Read(path, 16_000));
    }

    [Fact]
    public void Wrong_rate_is_refused_naming_file_and_rate()
    {
        var path = WriteWith("r.wav", new WaveFormat(22_050, 16, 1), new byte[100]);
        var e = Assert.Throws<InvalidDataException>(() => WavFile.Read(path, 16_000));
        Assert.Contains("r.wav", e.Message);
        Assert.Contains("22050 Hz; expected 16000 Hz", e.Message);
    }

    [Fact]
    public void Stereo_and_24_bit_are_refused()
    {
        var stereo = WriteWith("s.wav", new WaveFormat(16_000, 16, 2), new byte[100]);
        Assert.Contains("2 channels; expected mono", Assert.Throws<InvalidDataException>(() => WavFile.Read(stereo, 16_000)).Message);
        var deep = WriteWith("d.wav", new WaveFormat(16_000, 24, 1), new byte[99]);
        Assert.Contains("expected 16-bit PCM or 32-bit float", Assert.Throws<InvalidDataException>(() => WavFile.Read(deep, 16_000)).Message);
    }

    [Fact]
    public void Truncated_and_non_wav_files_are_refused()
    {
        var path = Path.Combine(_dir, "t.wav");
        WavFile.Write(path, new float[1000], 16_000);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 500)]);
        var e = Assert.Throws<InvalidDataException>(() => WavFile.Read(path, 16_000));
        Assert.Contains("t.wav: truncated WAV", e.Message);

        var text = Path.Combine(_dir, "n.wav");
        File.WriteAllText(text, "not audio at all");
        Assert.Contains("n.wav: not a readable WAV file", Assert.Throws<InvalidDataException>(() => WavFile.Read(text, 16_000)).Message);
        Assert.Throws<FileNotFoundException>(() => WavFile.Read(Path.Combine(_dir, "missing.wav"), 16_000));
    }
}
