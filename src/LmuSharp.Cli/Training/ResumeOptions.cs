using System.Globalization;

namespace LmuSharp.Cli.Training;

/// <summary>
/// The options of `lmu train` that make up a run's config, and the rule for a --resume: options that may
/// change (<see cref="Changeable"/>) are applied; any other option given with a value that differs from the
/// run's is refused, naming each such option with both values.
/// </summary>
static class ResumeOptions
{
    /// <summary>An option: its name, its value in a config, and how a resume applies a new value (null: it may not change).</summary>
    sealed record Entry(string Name, Func<TrainConfig, object> Value, Func<TrainConfig, TrainConfig, TrainConfig>? Apply = null);

    static readonly Entry[] Entries =
    [
        new("--model", c => c.Model),
        new("--order", c => c.Order),
        new("--theta", c => c.Theta),
        new("--hidden", c => c.Hidden),
        new("--mode", c => c.Mode),
        new("--batch-size", c => c.BatchSize),
        new("--lr", c => c.LearningRate),
        new("--schedule", c => c.Schedule),
        new("--dropout", c => c.Dropout),
        new("--seed", c => c.Seed),
        new("--train-samples", c => c.TrainSamples),
        new("--length", c => c.Length),
        // Extends (or shortens, down to the epochs done) the run; with --schedule cosine the remaining epochs follow the new length.
        new("--epochs", c => c.Epochs, (run, given) => run with { Epochs = given.Epochs }),
        // Threads change speed only.
        new("--threads", c => c.Threads, (run, given) => run with { Threads = given.Threads }),
    ];

    /// <summary>The options a --resume may change.</summary>
    public static IReadOnlyList<string> Changeable { get; } = Entries.Where(e => e.Apply is not null).Select(e => e.Name).ToArray();

    /// <summary>
    /// The run's config with the changeable options applied, and a line per change. Throws a
    /// <see cref="UserError"/> naming every other given option whose value differs from the run's.
    /// </summary>
    /// <param name="output">The run directory (for messages).</param>
    /// <param name="run">The config the run was saved with.</param>
    /// <param name="requested">The config the command line describes.</param>
    /// <param name="given">The names of the options given on the command line.</param>
    /// <param name="epochsDone">Epochs the run has completed (an --epochs below it is refused).</param>
    public static (TrainConfig Config, IReadOnlyList<string> Changes) Reconcile(string output, TrainConfig run, TrainConfig requested, IReadOnlySet<string> given, int epochsDone)
    {
        var differing = Entries.Where(e => given.Contains(e.Name) && !Equals(e.Value(run), e.Value(requested))).ToArray();
        var conflicts = differing.Where(e => e.Apply is null).Select(e => $"{e.Name} is {Text(e.Value(run))} in the run, {Text(e.Value(requested))} given").ToArray();
        if (conflicts.Length > 0)
            throw new UserError($"--resume: '{output}' was started with other options: {string.Join("; ", conflicts)}. " +
                $"Only {string.Join(" and ", Changeable)} may change on --resume; drop the others, or start a new run in another --output.");
        if (requested.Epochs < epochsDone && given.Contains("--epochs"))
            throw new UserError($"--resume: --epochs {requested.Epochs} is fewer than the {epochsDone} epochs '{output}' has done.");
        var config = differing.Aggregate(run, (c, e) => e.Apply!(c, requested));
        return (config, differing.Select(e => $"{e.Name} {Text(e.Value(run))} → {Text(e.Value(config))}").ToArray());
    }

    static string Text(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
}
