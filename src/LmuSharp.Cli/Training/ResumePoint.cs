namespace LmuSharp.Cli.Training;

/// <summary>
/// Chooses the checkpoint a --resume continues from: the last one if it verifies; otherwise (missing after an
/// interrupted save, or damaged) the previous one, written before it, saying so.
/// </summary>
static class ResumePoint
{
    /// <summary>The verified checkpoint to continue the run in <paramref name="output"/> from.</summary>
    /// <param name="output">The run directory.</param>
    /// <param name="warn">Receives a line when previous.ckpt is used instead of last.ckpt.</param>
    public static LoadedCheckpoint Find(string output, Action<string> warn)
    {
        string last = Path.Combine(output, Trainer.LastCheckpoint), previous = Path.Combine(output, Trainer.PreviousCheckpoint);
        return Choose(last, previous, Checkpoint.Load, c => c.Progress.Epoch, warn)
            ?? throw new UserError($"--resume: '{output}' holds no {Trainer.LastCheckpoint} to continue; start a new run without --resume.");
    }

    /// <summary>
    /// The checkpoint at <paramref name="last"/> read by <paramref name="load"/>, or the one at <paramref name="previous"/>
    /// when the last is missing or damaged (a damaged last is kept as <c>last.corrupt</c>); null when neither exists.
    /// </summary>
    /// <param name="last">The latest checkpoint.</param>
    /// <param name="previous">The one it replaced.</param>
    /// <param name="load">Reads and verifies a checkpoint; a damaged one is an <see cref="InvalidDataException"/>.</param>
    /// <param name="epoch">The epochs a checkpoint has done (for the warning).</param>
    /// <param name="warn">Receives a line when <paramref name="previous"/> is used.</param>
    public static T? Choose<T>(string last, string previous, Func<string, T> load, Func<T, int> epoch, Action<string> warn) where T : class
    {
        if (!File.Exists(last) && !File.Exists(previous)) return null;
        if (!File.Exists(last))
        {
            var kept = load(previous);
            warn($"{last} is missing (a save was interrupted); continuing from {previous} (epoch {epoch(kept)}).");
            return kept;
        }
        try { return load(last); }
        catch (InvalidDataException damaged) when (File.Exists(previous))
        {
            var kept = LoadPrevious(previous, damaged, load);
            File.Move(last, last + ".corrupt", overwrite: true); // so that the next save does not keep it as the previous one
            warn($"{damaged.Message} Continuing from {previous} (epoch {epoch(kept)}); the damaged file is kept as {last}.corrupt.");
            return kept;
        }
    }

    static T LoadPrevious<T>(string previous, InvalidDataException damaged, Func<string, T> load)
    {
        try { return load(previous); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{damaged.Message} The one before it is damaged too: {e.Message}"); }
    }
}
