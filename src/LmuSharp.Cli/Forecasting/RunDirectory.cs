using LmuSharp.IO;

namespace LmuSharp.Cli.Forecasting;

/// <summary>
/// A run directory built under a temporary name (<c>output.partial-pid</c>) and renamed when complete, with the run's
/// result.json and config.json, so that a failed run leaves no directory behind.
/// </summary>
static class RunDirectory
{
    /// <summary>Runs <paramref name="build"/> on the staging directory, writes its result and <paramref name="config"/>, then renames it to <paramref name="output"/>.</summary>
    public static TResult Build<TConfig, TResult>(string output, TConfig config, Func<string, TResult> build)
    {
        var staging = output.TrimEnd('/', '\\') + $".partial-{Environment.ProcessId}";
        Directory.CreateDirectory(staging);
        try
        {
            var result = build(staging);
            AtomicFile.WriteAllText(Path.Combine(staging, "result.json"), JsonSerializer.Serialize(result, JsonOptions.Indented));
            AtomicFile.WriteAllText(Path.Combine(staging, "config.json"), JsonSerializer.Serialize(config, JsonOptions.Indented));
            Directory.Move(staging, output);
            return result;
        }
        catch
        {
            Directory.Delete(staging, recursive: true);
            throw;
        }
    }
}
