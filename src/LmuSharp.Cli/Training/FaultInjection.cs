using System.Diagnostics;
using System.Globalization;

namespace LmuSharp.Cli.Training;

/// <summary>
/// Faults in checkpoint writes that tests ask for through environment variables, so that they can kill the process
/// while a checkpoint is half written: LMU_TEST_CHECKPOINT_WRITE_PAUSE_MS pauses halfway through every write (for a
/// kill from outside); LMU_TEST_CHECKPOINT_WRITE_KILL=n kills the process itself (SIGKILL, as kill -9) halfway
/// through its n-th write, at the same point of the run however loaded the machine is. Unset (always, outside
/// tests), writes go straight through.
/// </summary>
static class FaultInjection
{
    static readonly int PauseMilliseconds = Read("LMU_TEST_CHECKPOINT_WRITE_PAUSE_MS");
    static readonly int KillAtWrite = Read("LMU_TEST_CHECKPOINT_WRITE_KILL");
    static int _writes;

    /// <summary>Writes <paramref name="bytes"/>, pausing or dying halfway (flushed to disk) if a variable asks for it.</summary>
    public static void Write(Stream stream, byte[] bytes)
    {
        bool kill = KillAtWrite > 0 && Interlocked.Increment(ref _writes) == KillAtWrite;
        if (PauseMilliseconds <= 0 && !kill) { stream.Write(bytes); return; }
        int half = bytes.Length / 2;
        stream.Write(bytes, 0, half);
        stream.Flush();
        if (kill) { Process.GetCurrentProcess().Kill(); Thread.Sleep(Timeout.Infinite); }
        Thread.Sleep(PauseMilliseconds);
        stream.Write(bytes, half, bytes.Length - half);
    }

    static int Read(string variable) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : 0;
}
