namespace LmuSharp.Cli.Commands;

/// <summary>
/// The --resume rules of `lmu train series|sequences`: a new run needs its required options; --resume needs -o and
/// takes every option that shapes the run from the run's config.json, so it refuses them (only --threads and --json
/// may be given again).
/// </summary>
static class RunOptions
{
    /// <summary>Throws a <see cref="UserError"/> naming the first option that breaks the rules.</summary>
    /// <param name="parse">The parsed command line.</param>
    /// <param name="resume">Whether --resume was given.</param>
    /// <param name="output">The -o option.</param>
    /// <param name="required">What a new run needs.</param>
    /// <param name="shaping">The options a resumed run takes from its config (<paramref name="required"/> among them).</param>
    public static void Check(ParseResult parse, bool resume, Option<string?> output, IReadOnlyList<Option> required, IReadOnlyList<Option> shaping)
    {
        if (!resume)
        {
            foreach (var option in required)
                if (!Given(parse, option)) throw new UserError($"{option.Name} is required (or --resume -o <dir> to continue an unfinished run).");
            return;
        }
        if (!Given(parse, output)) throw new UserError("--resume needs -o <dir>: the output of the run to continue.");
        var given = shaping.Where(o => Given(parse, o)).Select(o => o.Name).ToArray();
        if (given.Length > 0)
            throw new UserError($"--resume continues the run with the options it was started with (its config.json); leave out {string.Join(", ", given)}.");
    }

    static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };
}
