namespace LmuSharp.Cli.Training;

/// <summary>
/// Makes one process the owner of a run directory for as long as it lives: an exclusive lock on the file
/// run.lock (on Unix, .NET takes FileShare.None as an advisory flock, which the kernel releases when the
/// process ends, kill -9 included, so no stale lock survives its owner). The owner's process id is written
/// to run.owner so that a refused process can name it.
/// </summary>
sealed class RunLock : IDisposable
{
    public const string LockFile = "run.lock", OwnerFile = "run.owner";

    readonly FileStream _lock;
    readonly string _owner;

    RunLock(FileStream lockStream, string owner)
    {
        _lock = lockStream;
        _owner = owner;
    }

    /// <summary>Takes the run directory (which must exist), or throws a <see cref="UserError"/> naming it and its owner.</summary>
    public static RunLock Acquire(string directory)
    {
        var path = Path.Combine(directory, LockFile);
        var owner = Path.Combine(directory, OwnerFile);
        FileStream stream;
        try { stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException) when (File.Exists(path))
        {
            throw new UserError($"'{directory}' is in use by another lmu train ({OwnerOf(owner)}); wait for it to finish, or choose another --output.");
        }
        LmuSharp.IO.AtomicFile.WriteAllText(owner, $"{Environment.ProcessId}\n");
        return new RunLock(stream, owner);
    }

    /// <summary>Deletes the temporary files of atomic writes that a killed owner left behind (no other writer can exist now).</summary>
    public void RemoveLeftovers()
    {
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(_owner)!, "*.tmp")) File.Delete(file);
    }

    /// <summary>Releases the directory (the owner file first, so it never names a later owner wrongly).</summary>
    public void Dispose()
    {
        try { File.Delete(_owner); }
        catch (IOException) { } // a leftover owner file is harmless: the next owner rewrites it
        _lock.Dispose();
    }

    /// <summary>The owner's process id as its owner file gives it (briefly waiting, as an owner writes it just after locking).</summary>
    static string OwnerOf(string ownerFile)
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                if (File.Exists(ownerFile) && int.TryParse(File.ReadAllText(ownerFile).Trim(), out int pid)) return $"process id {pid}";
            }
            catch (IOException) { }
            Thread.Sleep(25);
        }
        return "process id unknown";
    }
}
