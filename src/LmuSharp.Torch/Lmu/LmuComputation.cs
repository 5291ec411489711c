namespace LmuSharp.Torch;

/// <summary>
/// How an <see cref="Lmu"/> layer computes a sequence: the <see cref="LmuMode"/> and its tunable parts. The default
/// (<see cref="LmuMode.Auto"/>) picks the fastest exact mode for the layer's options and the sequence's length.
/// </summary>
/// <param name="Mode">The mode; <see cref="LmuMode.Auto"/> by default.</param>
public sealed record LmuComputation(LmuMode Mode = LmuMode.Auto)
{
    /// <summary>The default: <see cref="LmuMode.Auto"/>.</summary>
    public static LmuComputation Auto { get; } = new();

    /// <summary>The chunk length L of <see cref="LmuMode.Chunked"/> (default 128, at least 1).</summary>
    public long ChunkLength
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(ChunkLength), value, "ChunkLength must be ≥ 1.");
    } = 128;

    /// <summary>
    /// Where <see cref="LmuMode.Raw"/> truncates H, relative to max‖H_k‖, in [0, 1); null for the dtype's default
    /// (1e-9 for float32, 1e-15 for float64: below the rounding of the largest term).
    /// </summary>
    public double? RawTolerance
    {
        get;
        init => field = value is null or (>= 0 and < 1) ? value : throw new ArgumentOutOfRangeException(nameof(RawTolerance), value, "RawTolerance must lie in [0, 1).");
    }

    /// <summary>Throws an <see cref="ArgumentException"/> when the mode cannot compute a layer with <paramref name="options"/>.</summary>
    /// <param name="options">The layer's architecture.</param>
    public LmuComputation Validate(LmuOptions options)
    {
        if (!Enum.IsDefined(Mode)) throw new ArgumentException($"Mode must be a defined LmuMode, got {(int)Mode}.", nameof(Mode));
        if (Mode is LmuMode.Auto or LmuMode.Sequential) return this;
        if (!options.MemoryIsFeedForward)
            throw new ArgumentException($"Mode {Mode} computes the memory for all steps at once: it needs options without hiddenToMemory and memoryToMemory (use Auto or Sequential).", nameof(Mode));
        if (Mode == LmuMode.Final && (options.ReturnSequences || !HasFeedForwardHidden(options)))
            throw new ArgumentException("Mode Final computes the last memory state only: it needs options.ReturnSequences false and a None or Linear hidden cell.", nameof(Mode));
        return this;
    }

    /// <summary>The mode used for a sequence of a layer with <paramref name="options"/> (resolves <see cref="LmuMode.Auto"/>).</summary>
    /// <param name="options">The layer's architecture.</param>
    public LmuMode Resolve(LmuOptions options) => Mode switch
    {
        LmuMode.Auto when !options.MemoryIsFeedForward => LmuMode.Sequential,
        LmuMode.Auto when !options.ReturnSequences && HasFeedForwardHidden(options) => LmuMode.Final,
        LmuMode.Auto => LmuMode.Fft, // measured fastest for every length from 16 to 10,000 steps (docs/BENCHMARKS.md, memory modes)
        _ => Mode,
    };

    /// <summary>The computation with <paramref name="mode"/> and default settings, so that a mode can be given where a computation is expected.</summary>
    /// <param name="mode">The mode.</param>
    public static implicit operator LmuComputation(LmuMode mode) => new(mode);

    static bool HasFeedForwardHidden(LmuOptions options) => options.Hidden is HiddenCell.None or HiddenCell.Linear;
}
