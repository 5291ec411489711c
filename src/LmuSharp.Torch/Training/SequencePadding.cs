using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>
/// Batches sequences of different lengths: zero-padded at the end to the longest, with their lengths, as the
/// recurrent modules take them (<c>forward(input, state, lengths)</c>: steps past a length leave the state as it is).
/// </summary>
public static class SequencePadding
{
    /// <summary>Inputs [N, T_max, features] (zeros past each length) and lengths [N] (int64).</summary>
    /// <param name="sequences">Each sequence as rows of <paramref name="features"/> values; none may be empty.</param>
    /// <param name="features">Values per row.</param>
    public static (Tensor Inputs, Tensor Lengths) Pad(IReadOnlyList<IReadOnlyList<float[]>> sequences, int features)
    {
        int longest = sequences.Count == 0 ? 0 : sequences.Max(s => s.Count);
        var values = new float[sequences.Count * longest * features];
        var lengths = new long[sequences.Count];
        for (int n = 0; n < sequences.Count; n++)
        {
            if (sequences[n].Count == 0) throw new ArgumentException($"sequence {n} is empty.", nameof(sequences));
            lengths[n] = sequences[n].Count;
            for (int t = 0; t < sequences[n].Count; t++)
            {
                var row = sequences[n][t];
                if (row.Length != features) throw new ArgumentException($"sequence {n}, row {t}: {row.Length} values, expected {features}.", nameof(sequences));
                row.CopyTo(values, (n * longest + t) * features);
            }
        }
        return (tensor(values, [sequences.Count, longest, features]), tensor(lengths));
    }
}
