using System.Diagnostics;
using System.Text.Json;

namespace LmuSharp.Cli.Tests;

public class TrainCommandTests
{
    // A small parallel LMU on tiny generated data: seconds per run.
    static readonly string[] Small = ["--order", "32", "--hidden", "32", "--batch-size", "20", "--threads", "1", "--lr", "0.005"];

    static LmuProcess.Outcome Train(string workDir, string dataDir, string output, params string[] extra) =>
        LmuProcess.Run(workDir, ["train", "psmnist", "--data-dir", dataDir, "-o", output, "--json", .. Small, .. extra]);

    [Fact]
    public void Train_writes_config_metrics_plots_and_checkpoints_and_learns()
    {
        var data = TinyMnist.Write(gzip: true);
        var work = LmuProcess.TempDirectory();
        var run = Train(work, data, "run", "--epochs", "6");
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var result = JsonDocument.Parse(run.Stdout);
        Assert.Equal("accuracy", result.RootElement.GetProperty("metric").GetString());
        Assert.True(result.RootElement.GetProperty("test").GetDouble() > 0.9, run.Stdout); // 10 separable classes
        var dir = Path.Combine(work, "run");
        foreach (var file in new[] { "config.json", "metrics.jsonl", "loss.png", "accuracy.png", "best.ckpt", "last.ckpt" })
            Assert.True(File.Exists(Path.Combine(dir, file)), $"{file} missing");
        var lines = File.ReadAllLines(Path.Combine(dir, "metrics.jsonl"));
        Assert.Equal(6, lines.Length);
        Assert.Equal(6, JsonDocument.Parse(lines[5]).RootElement.GetProperty("epoch").GetInt32());

        var eval = LmuProcess.Run(work, "eval", Path.Combine(dir, "best.ckpt"), "--data-dir", data, "--json");
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        Assert.Equal(result.RootElement.GetProperty("test").GetDouble(), JsonDocument.Parse(eval.Stdout).RootElement.GetProperty("test").GetDouble(), 12);

        var export = LmuProcess.Run(work, "export", Path.Combine(dir, "best.ckpt"), "model.safetensors");
        Assert.True(export.ExitCode == 0, export.Stderr);
        var runtime = LmuSharp.Runtime.LmuModel.Load(Path.Combine(work, "model.safetensors"));
        Assert.Equal((1, 10), (runtime.InputSize, runtime.OutputSize));
        Assert.Equal("psmnist", runtime.Metadata["lmu.task"]);

        var onnx = LmuProcess.Run(work, "export", Path.Combine(dir, "best.ckpt"), "model.onnx", "--triton", "triton", "--triton-name", "digits");
        Assert.True(onnx.ExitCode == 0, onnx.Stderr);
        var step = LmuSharp.Onnx.OnnxExport.Load(Path.Combine(work, "model.safetensors"));
        Assert.Equal(step.ToBytes(LmuSharp.Onnx.OnnxGraph.Step), File.ReadAllBytes(Path.Combine(work, "model.onnx")));
        Assert.Equal(step.ToBytes(LmuSharp.Onnx.OnnxGraph.Sequence), File.ReadAllBytes(Path.Combine(work, "model.sequence.onnx")));
        Assert.Equal(step.ToTritonStepBytes(), File.ReadAllBytes(Path.Combine(work, "triton", "digits", "1", "model.onnx")));
        Assert.Contains("name: \"digits\"", File.ReadAllText(Path.Combine(work, "triton", "digits", "config.pbtxt")));
        var unknown = LmuProcess.Run(work, "export", Path.Combine(dir, "best.ckpt"), "model.bin");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("--format", unknown.Stderr);
    }

    [Fact]
    public void Same_seed_gives_the_same_run_and_a_killed_run_resumes_to_the_same_result()
    {
        var data = TinyMnist.Write();
        var work = LmuProcess.TempDirectory();
        var straight = Train(work, data, "straight", "--epochs", "4");
        Assert.True(straight.ExitCode == 0, straight.Stderr);
        var again = Train(work, data, "again", "--epochs", "4");
        Assert.Equal(File.ReadAllText(Path.Combine(work, "straight", "metrics.jsonl")).Split('\n').Select(WithoutTime),
                     File.ReadAllText(Path.Combine(work, "again", "metrics.jsonl")).Split('\n').Select(WithoutTime));

        // Kill -9 once two epochs are saved, then resume.
        var tool = Path.Combine(AppContext.BaseDirectory, "lmu.dll");
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { tool, "train", "psmnist", "--data-dir", data, "-o", "killed", "--json", "--epochs", "4" }.Concat(Small)) info.ArgumentList.Add(a);
        using (var process = Process.Start(info)!)
        {
            process.StandardOutput.ReadToEndAsync();
            string? line;
            while ((line = process.StandardError.ReadLine()) is not null && !line.Contains("epoch 2/4:")) { }
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        Assert.True(File.Exists(Path.Combine(work, "killed", "last.ckpt")));
        var refused = Train(work, data, "killed", "--epochs", "4");
        Assert.Equal(2, refused.ExitCode); // an existing run is never overwritten
        Assert.Contains("--resume", refused.Stderr);
        var resumed = LmuProcess.Run(work, "train", "psmnist", "-o", "killed", "--data-dir", data, "--resume", "--json");
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Equal(File.ReadAllText(Path.Combine(work, "straight", "metrics.jsonl")).Split('\n').Select(WithoutTime),
                     File.ReadAllText(Path.Combine(work, "killed", "metrics.jsonl")).Split('\n').Select(WithoutTime));
    }

    [Fact]
    public void Init_starts_a_new_run_from_a_checkpoints_weights()
    {
        var data = TinyMnist.Write();
        var work = LmuProcess.TempDirectory();
        var source = Train(work, data, "source", "--epochs", "2");
        Assert.True(source.ExitCode == 0, source.Stderr);
        // With a vanishing learning rate the warm-started model is the source's best model.
        var warm = LmuProcess.Run(work, ["train", "psmnist", "--data-dir", data, "-o", "warm", "--json", "--epochs", "1", "--init", "source/best.ckpt",
            .. Small.Select(a => a == "0.005" ? "1e-30" : a)]);
        Assert.True(warm.ExitCode == 0, warm.Stderr);
        Assert.Equal(JsonDocument.Parse(source.Stdout).RootElement.GetProperty("validation").GetDouble(),
                     JsonDocument.Parse(warm.Stdout).RootElement.GetProperty("validation").GetDouble());

        var mismatch = LmuProcess.Run(work, ["train", "psmnist", "--data-dir", data, "-o", "mismatch", "--epochs", "1", "--init", "source/best.ckpt",
            .. Small.Select(a => a == "32" ? "8" : a)]); // order and hidden 8 instead of 32
        Assert.Equal(2, mismatch.ExitCode);
        Assert.Contains("do not fit", mismatch.Stderr);
    }

    /// <summary>A metrics line without its wall-clock field.</summary>
    static string WithoutTime(string line) =>
        line.Length == 0 ? line : System.Text.RegularExpressions.Regex.Replace(line, "\"seconds\":[^,}]*", "");

    [Fact]
    public void Bad_data_and_bad_checkpoints_give_one_clear_line()
    {
        var work = LmuProcess.TempDirectory();
        var missing = LmuProcess.Run(work, "train", "psmnist", "--data-dir", "nowhere");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr);

        var data = TinyMnist.Write();
        var labels = Path.Combine(data, "train-labels-idx1-ubyte");
        File.WriteAllBytes(labels, File.ReadAllBytes(labels)[..^7]);
        var truncated = Train(work, data, "t", "--epochs", "1");
        Assert.Equal(2, truncated.ExitCode);
        Assert.Contains("truncated", truncated.Stderr);
        Assert.False(Directory.Exists(Path.Combine(work, "t", "last.ckpt")));

        File.WriteAllText(Path.Combine(work, "junk.ckpt"), "not a checkpoint");
        var junk = LmuProcess.Run(work, "eval", "junk.ckpt");
        Assert.Equal(2, junk.ExitCode);
        Assert.Contains("not an lmu checkpoint", junk.Stderr);

        var unknown = LmuProcess.Run(work, "train", "cifar");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown task 'cifar'", unknown.Stderr);

        var badLr = LmuProcess.Run(work, "train", "psmnist", "--lr", "-1");
        Assert.Equal(2, badLr.ExitCode);
        Assert.Contains("--lr", badLr.Stderr);
        Assert.DoesNotContain("   at ", badLr.Stderr);
    }
}
