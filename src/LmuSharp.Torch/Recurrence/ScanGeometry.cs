namespace LmuSharp.Torch.Recurrence;

/// <summary>
/// Shape of one linear-recurrence scan as the C# kernel sees it: x, h and the gradients of x and h are
/// contiguous [Batch, Time, Channels]; a is contiguous [Batch or 1, Time or 1, Channels].
/// </summary>
/// <param name="Batch">Number of independent sequences.</param>
/// <param name="Time">Number of time steps.</param>
/// <param name="Channels">Number of independent channels per sequence.</param>
/// <param name="ABatch">True when a has a batch dimension of size Batch (false: shared across the batch).</param>
/// <param name="ATime">True when a has a time dimension of size Time (false: the time-invariant case).</param>
/// <param name="Reverse">True to run the recurrence from the last step to the first.</param>
internal readonly record struct ScanGeometry(int Batch, int Time, int Channels, bool ABatch, bool ATime, bool Reverse)
{
    /// <summary>Elements of x (and of h).</summary>
    public long Elements => (long)Batch * Time * Channels;

    /// <summary>Time steps stored in a (Time or 1).</summary>
    public int ATimeSteps => ATime ? Time : 1;

    /// <summary>Offset of the physical time row holding logical step s of sequence b in an x-shaped tensor.</summary>
    public long Row(int b, int s) => ((long)b * Time + (Reverse ? Time - 1 - s : s)) * Channels;

    /// <summary>Offset of the row of a (or of an accumulated gradient of a with batch dimension Batch) used at logical step s.</summary>
    public long ARow(int b, int s, bool batched) =>
        ((long)(batched ? b : 0) * ATimeSteps + (ATime ? (Reverse ? Time - 1 - s : s) : 0)) * Channels;

    /// <summary>Distance in elements between logical steps s and s + 1 in x, h and their gradients.</summary>
    public long Stride => Reverse ? -(long)Channels : Channels;

    /// <summary>Distance in elements between logical steps s and s + 1 in a (0 when a is time-invariant).</summary>
    public long AStride => ATime ? Stride : 0;
}
