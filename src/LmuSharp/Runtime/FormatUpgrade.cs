using System.Text.RegularExpressions;

namespace LmuSharp.Runtime;

/// <summary>
/// Reads files of earlier format versions as the current one. Version 1 named an LMU layer's number of memory
/// channels <c>memory_size</c>, the name LmuOptions gives to memoryD·order; version 2 names it <c>memory_d</c>.
/// </summary>
internal static partial class FormatUpgrade
{
    /// <summary>The metadata as version <see cref="LmuModel.FormatVersion"/> would write it; other versions are returned unchanged.</summary>
    public static IReadOnlyDictionary<string, string> ToCurrent(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue("format_version", out var version) || version != "1") return metadata;
        var current = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata) current[LayerMemorySize().Replace(key, "$1memory_d")] = value;
        current["format_version"] = LmuModel.FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return current;
    }

    [GeneratedRegex(@"^(layers\.\d+\.)memory_size$")]
    private static partial Regex LayerMemorySize();
}
