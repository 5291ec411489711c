using LmuSharp.IO;

namespace LmuSharp.Cli.Forecasting;

/// <summary>The size and time of the data file a run was started on, to refuse resuming on a changed file.</summary>
sealed record FileStamp(long Bytes, DateTime ModifiedUtc)
{
    public static FileStamp Of(string path)
    {
        var info = new FileInfo(path);
        return new FileStamp(info.Length, info.LastWriteTimeUtc);
    }
}

/// <summary>What config.json of a run holds: the command, its options and the stamp of its data file.</summary>
sealed record RunConfig<TOptions>(string Command, TOptions Options, FileStamp Data);

/// <summary>
/// The directory of an `lmu train series|sequences` run. It is built under <c>output.partial</c>, owned by one
/// process at a time (<see cref="RunLock"/>), and renamed to <c>output</c> only when complete, so <c>output</c> is
/// never half-written. The staging directory holds config.json from the start, then the fits' checkpoints
/// (<see cref="ResumableFit"/>): a run killed at any moment continues from it with --resume, and a new run on the
/// same output refuses to start while it exists, saying what it is.
/// </summary>
sealed class RunDirectory : IDisposable
{
    const string ConfigFile = "config.json", ResultFile = "result.json";

    readonly RunLock _lock;
    bool _done;

    RunDirectory(string output, string staging, RunLock runLock)
    {
        Output = output;
        Staging = staging;
        _lock = runLock;
    }

    /// <summary>The finished run's directory.</summary>
    public string Output { get; }

    /// <summary>Where the run is built: <c>output.partial</c>.</summary>
    public string Staging { get; }

    static string StagingOf(string output) => output.TrimEnd('/', '\\') + ".partial";

    /// <summary>Refuses an <paramref name="output"/> that exists or has an unfinished run; call before reading the data.</summary>
    /// <param name="output">The run directory asked for.</param>
    /// <param name="command">`series` or `sequences`, for the message.</param>
    /// <param name="warn">Receives a line about each other unfinished run in the same parent directory.</param>
    public static void EnsureFree(string output, string command, Action<string> warn)
    {
        if (Directory.Exists(output)) throw new UserError($"'{output}' already exists; choose another --output.");
        var staging = StagingOf(output);
        if (Directory.Exists(staging))
        {
            RunLock.Acquire(staging).Dispose(); // refuses, naming the owner, if a process is still building it
            if (!File.Exists(Path.Combine(staging, ConfigFile))) Directory.Delete(staging, recursive: true); // killed as it started: holds nothing
            else
            {
                string saved = SavedCommand(staging) ?? command;
                throw new UserError($"'{staging}' holds an unfinished `lmu train {saved}` run for '{output}' (its process was killed or failed); continue it with `lmu train {saved} --resume -o {output}`, or delete it to start again.");
            }
        }
        WarnAbandoned(Path.GetDirectoryName(Path.GetFullPath(staging))!, warn);
    }

    /// <summary>
    /// Names the unfinished runs beside a new one (a killed run with a default, time-stamped output is never met
    /// again by name): each staging directory no process owns, with the command that continues it.
    /// </summary>
    static void WarnAbandoned(string parent, Action<string> warn)
    {
        if (!Directory.Exists(parent)) return;
        foreach (var other in Directory.EnumerateDirectories(parent, "*.partial*"))
        {
            string name = Path.GetFileName(other);
            if (!name.EndsWith(".partial", StringComparison.Ordinal))
                warn($"'{other}' is the half-built directory of a run an older lmu did not finish; it cannot be resumed: delete it.");
            else if (SavedCommand(other) is string command && !InUse(other))
                warn($"'{other}' holds an unfinished `lmu train {command}` run (its process was killed or failed); continue it with `lmu train {command} --resume -o {other[..^".partial".Length]}`, or delete it.");
        }
    }

    static bool InUse(string staging)
    {
        try { RunLock.Acquire(staging).Dispose(); return false; }
        catch (UserError) { return true; }
    }

    /// <summary>Starts a new run: creates and takes the staging directory and writes its config.json.</summary>
    public static RunDirectory Create<TOptions>(string output, string command, TOptions options, string dataFile)
    {
        var staging = StagingOf(output);
        Directory.CreateDirectory(staging);
        var runLock = RunLock.Acquire(staging);
        if (File.Exists(Path.Combine(staging, ConfigFile)))
        {
            runLock.Dispose();
            throw new UserError($"'{staging}' was created by another `lmu train {command}` meanwhile; choose another --output.");
        }
        AtomicFile.WriteAllText(Path.Combine(staging, ConfigFile), JsonSerializer.Serialize(new RunConfig<TOptions>(command, options, FileStamp.Of(dataFile)), JsonOptions.Indented));
        return new RunDirectory(output, staging, runLock);
    }

    /// <summary>Takes the staging directory of an unfinished run for --resume and returns it with the run's options.</summary>
    /// <param name="output">The run directory given with -o.</param>
    /// <param name="command">`series` or `sequences`: the command resuming.</param>
    /// <param name="dataFile">The options' data file, to check it is unchanged.</param>
    public static (RunDirectory Directory, TOptions Options) Resume<TOptions>(string output, string command, Func<TOptions, string> dataFile) where TOptions : class
    {
        var staging = StagingOf(output);
        if (!Directory.Exists(staging))
            throw new UserError(Directory.Exists(output)
                ? $"--resume: '{output}' is a finished run; there is nothing to continue."
                : $"--resume: there is no unfinished run '{staging}' to continue; start a new run without --resume.");
        var runLock = RunLock.Acquire(staging);
        try
        {
            runLock.RemoveLeftovers();
            var config = ReadConfig<TOptions>(staging, command);
            string file = dataFile(config.Options);
            if (!File.Exists(file)) throw new UserError($"--resume: {file}, the data of the run in '{staging}', does not exist any more.");
            if (FileStamp.Of(file) != config.Data)
                throw new UserError($"--resume: {file} has changed since the run in '{staging}' started ({config.Data.Bytes} bytes, modified {config.Data.ModifiedUtc:u}); a resumed run must read the same data: start a new run.");
            return (new RunDirectory(output, staging, runLock), config.Options);
        }
        catch
        {
            runLock.Dispose();
            throw;
        }
    }

    static RunConfig<TOptions> ReadConfig<TOptions>(string staging, string command) where TOptions : class
    {
        var path = Path.Combine(staging, ConfigFile);
        if (!File.Exists(path)) throw new UserError($"--resume: '{staging}' has no {ConfigFile} (the run was killed as it started); delete it and start a new run.");
        string? saved = SavedCommand(staging);
        if (saved is null) throw new UserError($"--resume: {path} is unreadable; delete '{staging}' and start a new run.");
        if (saved != command) throw new UserError($"--resume: '{staging}' holds an `lmu train {saved}` run, not {command}.");
        try
        {
            var config = JsonSerializer.Deserialize<RunConfig<TOptions>>(File.ReadAllText(path), JsonOptions.Compact);
            return config?.Options is not null && config.Data is not null ? config : throw new UserError($"--resume: {path} lacks the run's options.");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new UserError($"--resume: {path} is unreadable ({e.Message}).");
        }
    }

    /// <summary>The command a staging directory's config.json names, or null if it is unreadable.</summary>
    static string? SavedCommand(string staging)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(staging, ConfigFile)));
            return json.RootElement.TryGetProperty("command", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        }
        catch (Exception e) when (e is JsonException or IOException) { return null; }
    }

    /// <summary>
    /// Writes result.json and renames the staging directory to <see cref="Output"/>, then removes the checkpoints
    /// (a run killed before that leaves them in a complete directory; nothing reads them there).
    /// </summary>
    public TResult Complete<TResult>(TResult result)
    {
        AtomicFile.WriteAllText(Path.Combine(Staging, ResultFile), JsonSerializer.Serialize(result, JsonOptions.Indented));
        _lock.Dispose();
        File.Delete(Path.Combine(Staging, RunLock.LockFile));
        Directory.Move(Staging, Output);
        _done = true;
        foreach (var checkpoint in Directory.EnumerateFiles(Output, "*.ckpt")) File.Delete(checkpoint);
        return result;
    }

    /// <summary>Releases an unfinished run: kept when it holds a checkpoint to resume from, else removed.</summary>
    public void Dispose()
    {
        if (_done) return;
        _done = true;
        _lock.Dispose();
        if (Directory.Exists(Staging) && !Directory.EnumerateFiles(Staging, "*.ckpt").Any()) Directory.Delete(Staging, recursive: true);
    }
}
