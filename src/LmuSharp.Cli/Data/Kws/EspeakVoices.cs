using System.Globalization;
using System.Text.RegularExpressions;

namespace LmuSharp.Cli.Data.Kws;

/// <summary>
/// New espeak-ng voices made from its variants by moving their formants, for speakers no stock variant has: a
/// variant file's "formant k freq height width" lines give formant k's frequency in percent of the base voice's;
/// a derived voice multiplies every formant frequency by one vocal-tract factor times a small per-formant factor
/// (as a longer or shorter vocal tract and a different mouth would). espeak-ng reads variants only from its data
/// folder, so the derived files go into private copies of that folder (the stock entries, variants included, linked, not copied),
/// passed to espeak-ng with --path, and deleted on disposal. espeak-ng has no API for this, hence the files. It lists at most
/// 349 voices of a folder (N_VOICES_LIST) and the stock ones take 232, so each copy takes <see cref="VoicesPerFolder"/> derived voices.
/// </summary>
sealed partial class EspeakVoices : IDisposable
{
    const int Formants = 9; // espeak-ng's formants 0–8
    /// <summary>Derived voices per private data folder.</summary>
    public const int VoicesPerFolder = 64;
    readonly string _stock = Espeak.DataFolder();
    readonly string _root = Path.Combine(Path.GetTempPath(), $"lmu-espeak-{Environment.ProcessId}-{Guid.NewGuid():N}");
    readonly List<string> _folders = [];
    readonly Dictionary<string, string> _folderOf = [];

    /// <summary>The folder to pass to espeak-ng's --path for a derived voice.</summary>
    /// <param name="name">A name given to <see cref="Derive"/>.</param>
    public string DataPathOf(string name) =>
        _folderOf.TryGetValue(name, out var folder) ? folder : throw new ArgumentException($"no derived voice '{name}'.", nameof(name));

    /// <summary>A new private data folder with the stock entries linked; returns its voice variant folder.</summary>
    string NewFolder()
    {
        var path = Path.Combine(_root, _folders.Count.ToString(CultureInfo.InvariantCulture));
        _folders.Add(path);
        var data = Directory.CreateDirectory(Path.Combine(path, "espeak-ng-data")).FullName;
        foreach (var entry in Directory.EnumerateFileSystemEntries(_stock).Where(e => Path.GetFileName(e) != "voices"))
            File.CreateSymbolicLink(Path.Combine(data, Path.GetFileName(entry)), entry);
        var voices = Directory.CreateDirectory(Path.Combine(data, "voices")).FullName;
        foreach (var entry in Directory.EnumerateFileSystemEntries(Path.Combine(_stock, "voices")).Where(e => Path.GetFileName(e) != "!v"))
            File.CreateSymbolicLink(Path.Combine(voices, Path.GetFileName(entry)), entry);
        var variants = Directory.CreateDirectory(Path.Combine(voices, "!v")).FullName;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(_stock, "voices", "!v")))
            File.CreateSymbolicLink(Path.Combine(variants, Path.GetFileName(file)), file);
        return variants;
    }

    /// <summary>Writes variant <paramref name="name"/>: stock variant <paramref name="baseVariant"/> with formant k's frequency × vocalTract × factors[k].</summary>
    /// <param name="name">The new variant's name (letters, digits, '-').</param>
    /// <param name="baseVariant">A stock variant, e.g. "m3".</param>
    /// <param name="vocalTract">The factor on every formant.</param>
    /// <param name="factors">One more factor per formant 0–8.</param>
    public void Derive(string name, string baseVariant, double vocalTract, IReadOnlyList<double> factors)
    {
        if (factors.Count != Formants) throw new ArgumentException($"need {Formants} formant factors, got {factors.Count}.", nameof(factors));
        var lines = File.ReadAllLines(Path.Combine(_stock, "voices", "!v", baseVariant)).ToList();
        var seen = new bool[Formants];
        for (int i = 0; i < lines.Count; i++)
        {
            var match = FormantLine().Match(lines[i]);
            if (!match.Success) continue;
            int k = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            if (k >= Formants) continue;
            seen[k] = true;
            int percent = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
            lines[i] = $"formant {k} {Scaled(percent, vocalTract * factors[k])}{match.Groups[3].Value}";
        }
        for (int k = 0; k < Formants; k++) // a formant the base leaves at the default: 100% frequency, height and width
            if (!seen[k]) lines.Add($"formant {k} {Scaled(100, vocalTract * factors[k])} 100 100");
        int nameLine = lines.FindIndex(l => l.TrimStart().StartsWith("name ", StringComparison.Ordinal));
        if (nameLine >= 0) lines[nameLine] = $"name {name}";
        else lines.Add($"name {name}");
        if (_folderOf.Count % VoicesPerFolder == 0) NewFolder();
        _folderOf[name] = _folders[^1];
        File.WriteAllLines(Path.Combine(_folders[^1], "espeak-ng-data", "voices", "!v", name), lines);
    }

    /// <summary>A percentage scaled, 0 (a formant switched off) kept.</summary>
    static int Scaled(int percent, double factor) => percent == 0 ? 0 : (int)Math.Round(percent * factor);

    [GeneratedRegex(@"^\s*formant\s+(\d+)\s+(\d+)(.*)$")]
    private static partial Regex FormantLine();

    /// <summary>Deletes the private data folders.</summary>
    public void Dispose()
    {
        try { if (Directory.Exists(_root)) Directory.Delete(_root, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
