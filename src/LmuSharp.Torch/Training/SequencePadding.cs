using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>
/// Batches sequences of different lengths: zero-padded to the longest, with their lengths. Padded at the end,
/// they suit the recurrent modules' <c>forward(input, state, lengths)</c> (steps past a length leave the state as
/// it is). Padded at the start (<c>alignEnd</c>), every sequence ends at the last step, which a model read at the
/// last step needs; for a memory without feedback from its output (m_t = Σ_k H_k u_{t−k}, the parallel LMU) whose
/// input is zero for zero rows (u = W x, no bias), leading zeros add nothing, so the result equals running the
/// sequence alone from the zero state.
/// </summary>
public static class SequencePadding
{
    /// <summary>Inputs [N, T_max, features] (zeros past each length, or before it with <paramref name="alignEnd"/>) and lengths [N] (int64).</summary>
    /// <param name="sequences">Each sequence as rows of <paramref name="features"/> values; none may be empty.</param>
    /// <param name="features">Values per row.</param>
    /// <param name="alignEnd">Pad at the start instead of the end.</param>
    public static (Tensor Inputs, Tensor Lengths) Pad(IReadOnlyList<IReadOnlyList<float[]>> sequences, int features, bool alignEnd = false)
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
                int step = alignEnd ? longest - sequences[n].Count + t : t;
                row.CopyTo(values, (n * longest + step) * features);
            }
        }
        return (tensor(values, [sequences.Count, longest, features]), tensor(lengths));
    }
}
