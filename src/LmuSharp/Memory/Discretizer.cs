namespace LmuSharp.Memory;

/// <summary>How the continuous Legendre system θ·ṁ = A m + B u is turned into a step-1 recurrence.</summary>
public enum Discretizer
{
    /// <summary>Zero-order hold: exact for piecewise-constant input. [[Ā, B̄], [0, 1]] = expm([[A/θ, B/θ], [0, 0]]).</summary>
    Zoh,
    /// <summary>
    /// Forward Euler: Ā = I + A/θ, B̄ = B/θ. Stable only for θ large against the order: the smallest
    /// stable θ (measured by bisection on ρ(Ā) ≤ 1) is 5.2 at d = 4, 60 at d = 16, 197 at d = 32,
    /// 639 at d = 64 and 2,051 at d = 128 — the folk rule θ &gt; 4d holds only up to d ≈ 16.
    /// </summary>
    Euler,
    /// <summary>Bilinear (Tustin): Ā = (I − A/2θ)⁻¹(I + A/2θ), B̄ = (I − A/2θ)⁻¹ B/θ. Always stable.</summary>
    Bilinear,
}

/// <summary>Parsing of discretiser names as used on the command line and in exported files.</summary>
public static class DiscretizerNames
{
    /// <summary>The accepted names: <c>zoh</c>, <c>euler</c>, <c>bilinear</c>.</summary>
    public static IReadOnlyList<string> All { get; } = ["zoh", "euler", "bilinear"];

    /// <summary>The lower-case name of a discretiser.</summary>
    /// <param name="discretizer">A defined <see cref="Discretizer"/> value.</param>
    public static string ToName(this Discretizer discretizer) => Check(discretizer, nameof(discretizer)) switch
    {
        Discretizer.Zoh => "zoh",
        Discretizer.Euler => "euler",
        _ => "bilinear",
    };

    /// <summary>Parses <c>zoh</c>, <c>euler</c> or <c>bilinear</c> (case-insensitive).</summary>
    /// <param name="name">The discretiser's name.</param>
    /// <exception cref="ArgumentException">The name is none of the accepted ones.</exception>
    public static Discretizer Parse(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "zoh" => Discretizer.Zoh,
        "euler" => Discretizer.Euler,
        "bilinear" or "tustin" => Discretizer.Bilinear,
        _ => throw new ArgumentException($"unknown discretizer '{name}'; expected one of: {string.Join(", ", All)}.", nameof(name)),
    };

    /// <summary>Throws unless <paramref name="discretizer"/> is a defined value.</summary>
    internal static Discretizer Check(Discretizer discretizer, string parameter) =>
        Enum.IsDefined(discretizer) ? discretizer
            : throw new ArgumentException($"unknown discretizer {(int)discretizer}; expected one of: {string.Join(", ", All)}.", parameter);
}
