namespace LmuSharp.IO;

/// <summary>
/// Writes files so that a reader (or a run killed at any moment) sees either the old complete file or
/// the new complete file, never a torn one: write a temporary sibling, flush it to disk, then rename
/// it over the target (an atomic replace on POSIX file systems and NTFS).
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, atomically.</summary>
    /// <param name="path">The destination file; its directory is created if missing.</param>
    /// <param name="write">Writes the whole content to the given stream.</param>
    public static void Write(string path, Action<Stream> write) => Write(path, write, previousPath: null);

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>, atomically, and keeps the file it
    /// replaces as <paramref name="previousPath"/>. The new content is complete on disk before the old file
    /// moves, so at every moment one of the two names holds a complete file: a process killed between the
    /// two renames leaves the old content at <paramref name="previousPath"/> and nothing at <paramref name="path"/>.
    /// </summary>
    /// <param name="path">The destination file; its directory is created if missing.</param>
    /// <param name="write">Writes the whole content to the given stream.</param>
    /// <param name="previousPath">Where the replaced file is kept (overwriting it), or null to discard it.</param>
    public static void Write(string path, Action<Stream> write, string? previousPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = $"{full}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            if (previousPath is not null && File.Exists(full)) File.Move(full, Path.GetFullPath(previousPath), overwrite: true);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8) to <paramref name="path"/>, atomically.</summary>
    /// <param name="path">The destination file.</param>
    /// <param name="text">The content.</param>
    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), leaveOpen: true); w.Write(text); });
}
