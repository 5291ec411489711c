using System.CommandLine.Parsing;
using System.Globalization;

namespace LmuSharp.Cli.Training;

/// <summary>
/// The options of `lmu train` that make up a run's config, defined once: the command line reads them into a
/// <see cref="TrainConfig"/>, and a --resume compares them with the run's. Options that may change on a resume
/// (<see cref="Changeable"/>) are applied; any other option given with a value that differs from the run's is
/// refused, naming each such option with both values.
/// </summary>
static class TrainOptions
{
    /// <summary>One option: its command-line form, its value in a config, and how a config takes the value of another.</summary>
    /// <param name="Option">The System.CommandLine option (a fresh one per command).</param>
    /// <param name="Value">The option's value in a config.</param>
    /// <param name="Read">The config with the option's value from the command line, when it was given.</param>
    /// <param name="Take">The first config with the second's value of this option.</param>
    /// <param name="MayChange">Whether a --resume may give it another value than the run's.</param>
    public sealed record Entry(Option Option, Func<TrainConfig, object> Value, Func<TrainConfig, ParseResult, TrainConfig> Read,
        Func<TrainConfig, TrainConfig, TrainConfig> Take, bool MayChange = false)
    {
        /// <summary>The option's name, e.g. "--order".</summary>
        public string Name => Option.Name;
    }

    /// <summary>A fresh set of the options (System.CommandLine options belong to one command each).</summary>
    public static IReadOnlyList<Entry> Create() =>
    [
        Of("--model", "Model variant (default: the task's first; see `lmu tasks`).", c => c.Model, (c, v) => c with { Model = v }),
        Of("--order", "Order d of the Legendre memory.", c => c.Order, (c, v) => c with { Order = v }),
        Of("--theta", "Memory window θ in steps.", c => c.Theta, (c, v) => c with { Theta = v }),
        Of("--hidden", "Hidden size.", c => c.Hidden, (c, v) => c with { Hidden = v }),
        Of("--mode", "How the LMU computes a sequence: auto, sequential, fft, raw, final, chunked.", c => c.Mode, (c, v) => c with { Mode = v }),
        // Extends (or shortens, down to the epochs done) a resumed run; with --schedule cosine the remaining epochs follow the new length.
        Of("--epochs", "Passes over the training data.", c => c.Epochs, (c, v) => c with { Epochs = v }, mayChange: true),
        Of("--batch-size", "Samples per optimiser step.", c => c.BatchSize, (c, v) => c with { BatchSize = v }),
        Of("--lr", "Adam learning rate (peak).", c => c.LearningRate, (c, v) => c with { LearningRate = v }),
        Of("--schedule", "Learning-rate schedule: constant or cosine.", c => c.Schedule, (c, v) => c with { Schedule = v }),
        Of("--dropout", "Dropout rate, where the model has dropout.", c => c.Dropout, (c, v) => c with { Dropout = v }),
        Of("--memory-dropout", "Dropout on the LMU's memory before a dense layer, where the model has one.", c => c.MemoryDropout, (c, v) => c with { MemoryDropout = v }),
        Of("--clip-grad-norm", "Clip the gradients' global L2 norm to this before each update (0: no clipping).", c => c.ClipGradNorm, (c, v) => c with { ClipGradNorm = v }),
        Of("--seed", "Seed of weights, data order and generated data.", c => c.Seed, (c, v) => c with { Seed = v }),
        // Threads change speed only.
        Of("--threads", "TorchSharp intra-op threads (0: as many as the cores other processes leave free, re-read every half second).", c => c.Threads, (c, v) => c with { Threads = v }, mayChange: true),
        Of("--train-samples", "Use only the first N training samples (0: all).", c => c.TrainSamples, (c, v) => c with { TrainSamples = v }),
        Of("--length", "Sequence length, for tasks where it is a choice.", c => c.Length, (c, v) => c with { Length = v }),
        Of("--memory-d", "Memory channels per LMU layer, for tasks where it is a choice.", c => c.MemoryD, (c, v) => c with { MemoryD = v }),
        Of("--params", "Parameter budget that sizes the model (kws: the hidden size), 0 for none.", c => c.Params, (c, v) => c with { Params = v }),
        Of("--quantize", "Quantisation-aware training: none or int8 (kws).", c => c.Quantize, (c, v) => c with { Quantize = v }),
    ];

    /// <summary>The options a --resume may change.</summary>
    public static IReadOnlyList<string> Changeable { get; } = Create().Where(e => e.MayChange).Select(e => e.Name).ToArray();

    static Entry Of<T>(string name, string description, Func<TrainConfig, T> get, Func<TrainConfig, T, TrainConfig> set, bool mayChange = false)
        where T : notnull
    {
        var option = new Option<T>(name) { Description = description };
        return new Entry(option, c => get(c), (c, parse) => parse.GetResult(option) is null ? c : set(c, parse.GetValue(option)!),
            (c, other) => set(c, get(other)), mayChange);
    }

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
        var differing = Create().Where(e => given.Contains(e.Name) && !Equals(e.Value(run), e.Value(requested))).ToArray();
        var conflicts = differing.Where(e => !e.MayChange).Select(e => $"{e.Name} is {Text(e.Value(run))} in the run, {Text(e.Value(requested))} given").ToArray();
        if (conflicts.Length > 0)
            throw new UserError($"--resume: '{output}' was started with other options: {string.Join("; ", conflicts)}. " +
                $"Only {string.Join(" and ", Changeable)} may change on --resume; drop the others, or start a new run in another --output.");
        if (requested.Epochs < epochsDone && given.Contains("--epochs"))
            throw new UserError($"--resume: --epochs {requested.Epochs} is fewer than the {epochsDone} epochs '{output}' has done.");
        var config = differing.Aggregate(run, (c, e) => e.Take(c, requested));
        return (config, differing.Select(e => $"{e.Name} {Text(e.Value(run))} → {Text(e.Value(config))}").ToArray());
    }

    static string Text(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
}
