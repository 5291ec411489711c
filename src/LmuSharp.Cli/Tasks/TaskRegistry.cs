namespace LmuSharp.Cli.Tasks;

/// <summary>The tasks `lmu train` knows, by name.</summary>
static class TaskRegistry
{
    public static IReadOnlyList<ITask> All { get; } = [new PsMnistTask(), new MackeyGlassTask(), new DelayTask(), new LongTwoBTask(), new Kws.KwsTask()];

    public static ITask Get(string name) =>
        All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"unknown task '{name}'; expected one of: {string.Join(", ", All.Select(t => t.Name))} (see `lmu tasks`).");
}
