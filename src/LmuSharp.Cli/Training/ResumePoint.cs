namespace LmuSharp.Cli.Training;

/// <summary>
/// Chooses the checkpoint a --resume continues from: last.ckpt if it verifies; otherwise (missing after an
/// interrupted save, or damaged) previous.ckpt, the one written before it, saying so.
/// </summary>
static class ResumePoint
{
    /// <summary>The verified checkpoint to continue the run in <paramref name="output"/> from.</summary>
    /// <param name="output">The run directory.</param>
    /// <param name="warn">Receives a line when previous.ckpt is used instead of last.ckpt.</param>
    public static LoadedCheckpoint Find(string output, Action<string> warn)
    {
        string last = Path.Combine(output, Trainer.LastCheckpoint), previous = Path.Combine(output, Trainer.PreviousCheckpoint);
        if (!File.Exists(last) && !File.Exists(previous))
            throw new UserError($"--resume: '{output}' holds no {Trainer.LastCheckpoint} to continue; start a new run without --resume.");
        if (!File.Exists(last))
        {
            var kept = Checkpoint.Load(previous);
            warn($"{last} is missing (a save was interrupted); continuing from {previous} (epoch {kept.Progress.Epoch}).");
            return kept;
        }
        try { return Checkpoint.Load(last); }
        catch (InvalidDataException damaged) when (File.Exists(previous))
        {
            var kept = LoadPrevious(previous, damaged);
            File.Move(last, last + ".corrupt", overwrite: true); // so that the next save does not keep it as previous.ckpt
            warn($"{damaged.Message} Continuing from {previous} (epoch {kept.Progress.Epoch}); the damaged file is kept as {last}.corrupt.");
            return kept;
        }
    }

    static LoadedCheckpoint LoadPrevious(string previous, InvalidDataException damaged)
    {
        try { return Checkpoint.Load(previous); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{damaged.Message} The one before it is damaged too: {e.Message}"); }
    }
}
