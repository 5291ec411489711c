using System.Diagnostics;
using NAudio.Wave;
using NAudio.Wave.SampleProviders;

namespace LmuSharp.Cli.Data.Kws;

/// <summary>Speech from Debian's espeak-ng (`espeak-ng --stdout`), resampled to 16 kHz with NAudio's WDL resampler.</summary>
static class Espeak
{
    public const string Program = "espeak-ng";

    /// <summary>Says <paramref name="text"/> with a voice (accent+variant), rate in words per minute and pitch 0–99; <paramref name="dataPath"/>
    /// is the folder holding the espeak-ng-data to use (--path), null for the installed one.</summary>
    /// <exception cref="UserError">espeak-ng is missing or fails.</exception>
    public static float[] Say(string text, string voice, int rate, int pitch, int sampleRate, string? dataPath = null)
    {
        string[] arguments = ["-v", voice, "-s", rate.ToString(), "-p", pitch.ToString(), "--stdout", text];
        var (output, exitCode, stderr) = Run(dataPath is null ? arguments : [$"--path={dataPath}", .. arguments]);
        if (exitCode != 0) throw new UserError($"{Program} -v {voice} failed (exit {exitCode}): {stderr.Trim()}");
        return Resample(ParsePcm16(output, out int rateIn), rateIn, sampleRate);
    }

    /// <summary>The installed espeak-ng-data folder, from `espeak-ng --version` ("… Data at: /path").</summary>
    public static string DataFolder()
    {
        var (output, _, _) = Run(["--version"]);
        var text = System.Text.Encoding.UTF8.GetString(output);
        int at = text.IndexOf("Data at:", StringComparison.Ordinal);
        var folder = at < 0 ? "" : text[(at + "Data at:".Length)..].Trim();
        if (!Directory.Exists(folder)) throw new UserError($"{Program} --version names no data folder that exists (got: {text.Trim()}).");
        return folder;
    }

    static (byte[] Output, int ExitCode, string Stderr) Run(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(Program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(info)!; }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new UserError($"{Program} is not installed: the synthetic keyword corpus needs it (Debian: apt-get install espeak-ng; scripts/setup.sh does it).");
        }
        using (process)
        {
            using var output = new MemoryStream();
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.BaseStream.CopyTo(output);
            process.WaitForExit();
            return (output.ToArray(), process.ExitCode, stderr.Result);
        }
    }

    /// <summary>The samples and rate of a 16-bit mono WAV held in memory (espeak's streamed header may carry no sizes).</summary>
    static float[] ParsePcm16(byte[] bytes, out int sampleRate)
    {
        sampleRate = 0;
        for (int at = 12; at + 8 <= bytes.Length;)
        {
            string id = System.Text.Encoding.ASCII.GetString(bytes, at, 4);
            int size = BitConverter.ToInt32(bytes, at + 4);
            if (id == "fmt ") sampleRate = BitConverter.ToInt32(bytes, at + 12);
            if (id == "data")
            {
                int length = Math.Min(bytes.Length - at - 8, size < 0 ? int.MaxValue : size) & ~1;
                return LmuSharp.Audio.WavFile.FromPcm16(bytes.AsSpan(at + 8, length));
            }
            at += 8 + size;
        }
        throw new UserError($"{Program} wrote no WAV data.");
    }

    static float[] Resample(float[] samples, int from, int to)
    {
        if (from == to) return samples;
        var source = new RawSourceWaveStream(new MemoryStream(System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples.AsSpan()).ToArray()),
            WaveFormat.CreateIeeeFloatWaveFormat(from, 1));
        var resampler = new WdlResamplingSampleProvider(source.ToSampleProvider(), to);
        var output = new List<float>(samples.Length * to / from + 64);
        var buffer = new float[4096];
        int n;
        while ((n = resampler.Read(buffer)) > 0) output.AddRange(buffer.AsSpan(0, n));
        return [.. output];
    }
}
