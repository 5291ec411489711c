using System.Globalization;

namespace LmuSharp.Cli.Training;

/// <summary>
/// A pause in the middle of every checkpoint write, asked for by the environment variable
/// LMU_TEST_CHECKPOINT_WRITE_PAUSE_MS, so that tests can kill the process while a checkpoint is half
/// written. Unset (always, outside tests), writes go straight through.
/// </summary>
static class FaultInjection
{
    const string Variable = "LMU_TEST_CHECKPOINT_WRITE_PAUSE_MS";

    static readonly int PauseMilliseconds =
        int.TryParse(Environment.GetEnvironmentVariable(Variable), NumberStyles.None, CultureInfo.InvariantCulture, out int ms) ? ms : 0;

    /// <summary>Writes <paramref name="bytes"/>, pausing halfway (flushed to disk) if the variable is set.</summary>
    public static void Write(Stream stream, byte[] bytes)
    {
        if (PauseMilliseconds <= 0) { stream.Write(bytes); return; }
        int half = bytes.Length / 2;
        stream.Write(bytes, 0, half);
        stream.Flush();
        Thread.Sleep(PauseMilliseconds);
        stream.Write(bytes, half, bytes.Length - half);
    }
}
