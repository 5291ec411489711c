using LmuSharp.Audio;
using LmuSharp.Cli.Tasks.Kws;
using LmuSharp.Torch;
using LmuSharp.Torch.Export;
using TorchSharp;

namespace LmuSharp.Cli.Tests.Kws;

public sealed class ListenCommandTests : IDisposable
{
    readonly string _dir = LmuProcess.TempDirectory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string KeywordModel()
    {
        torch.manual_seed(1);
        using var model = new KwsModel(new KwsShape(40, 2, 4, 49, 8, 12), quantize: false, new LogMelOptions());
        model.eval();
        var path = Path.Combine(_dir, "kws.safetensors");
        model.ToExport().Save(path, model.ExportMetadata());
        return path;
    }

    static void AssertOneLineError(LmuProcess.Outcome run, string expected)
    {
        Assert.Equal(2, run.ExitCode);
        var lines = run.Stderr.Trim().Split('\n');
        Assert.Single(lines);
        Assert.Contains(expected, lines[0]);
    }

    [Fact]
    public void A_model_that_is_not_a_keyword_model_is_one_clear_line()
    {
        var path = Path.Combine(_dir, "plain.safetensors");
        using (var lmu = new Lmu(new LmuOptions(1, 4, 10) { Hidden = HiddenCell.Linear, HiddenSize = 3 }))
            new ModelExport(1).Add(lmu).Save(path);
        WavFile.Write(Path.Combine(_dir, "a.wav"), new float[16_000], 16_000);
        AssertOneLineError(LmuProcess.Run(_dir, "listen", path, "a.wav"), "plain.safetensors: not a keyword-spotting model");
        AssertOneLineError(LmuProcess.Run(_dir, "listen", KeywordModel(), "a.wav", "--int8"), "not an int8 model");
    }

    [Fact]
    public void Wrong_rate_and_truncated_wavs_are_one_clear_line()
    {
        var model = KeywordModel();
        WavFile.Write(Path.Combine(_dir, "slow.wav"), new float[8000], 8000);
        AssertOneLineError(LmuProcess.Run(_dir, "listen", model, "slow.wav"), "slow.wav: sample rate 8000 Hz; expected 16000 Hz");
        var cut = Path.Combine(_dir, "cut.wav");
        WavFile.Write(cut, new float[16_000], 16_000);
        File.WriteAllBytes(cut, File.ReadAllBytes(cut)[..20_000]);
        AssertOneLineError(LmuProcess.Run(_dir, "listen", model, "cut.wav"), "cut.wav: truncated WAV");
    }

    [Fact]
    public async Task Listens_to_raw_pcm_on_stdin_and_to_a_wav_alike()
    {
        var model = KeywordModel();
        var random = new Random(2);
        var audio = Enumerable.Range(0, 3 * 16_000).Select(_ => (float)(0.2 * (random.NextDouble() - 0.5))).ToArray();
        WavFile.Write(Path.Combine(_dir, "n.wav"), audio, 16_000);
        var file = LmuProcess.Run(_dir, "listen", model, "n.wav", "--json", "--threshold", "0.05", "--refractory", "0.2");
        Assert.True(file.ExitCode == 0, file.Stderr);
        using var process = LmuProcess.Start(_dir, null, "listen", model, "-", "--json", "--threshold", "0.05", "--refractory", "0.2");
        var pcm = File.ReadAllBytes(Path.Combine(_dir, "n.wav"))[44..]; // the 16-bit samples after the 44-byte header
        var stdout = process.StandardOutput.ReadToEndAsync();
        process.StandardInput.BaseStream.Write(pcm);
        process.StandardInput.Close();
        var text = await stdout;
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        Assert.NotEmpty(file.Stdout.Trim());                 // a random model over noise fires at a 0.05 threshold
        Assert.Contains("\"decided\":", file.Stdout);      // the decision time beside the keyword's time
        Assert.Equal(file.Stdout, text);            // the same detections, line for line
    }

    [Fact]
    public void Train_kws_on_a_missing_folder_is_one_clear_line() =>
        AssertOneLineError(LmuProcess.Run(_dir, "train", "kws", "--data-dir", Path.Combine(_dir, "nothing"), "--epochs", "1"), "is not a folder");
}
