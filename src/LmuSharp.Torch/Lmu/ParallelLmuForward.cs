using TorchSharp;
using LmuSharp.Torch.Recurrence;
using static TorchSharp.torch;

namespace LmuSharp.Torch;

/// <summary>
/// The whole-sequence forward pass of an LMU without feedback into the memory (Chilkuri &amp; Eliasmith 2021), on an
/// <see cref="LmuCell"/>'s weights: u = W_x x + b for all steps, M = H * u by one of the parallel <see cref="LmuMode"/>s,
/// then o_t = hidden([vec(M_t); x_t]) for all steps at once (None, Linear), by the fused RNN kernel (Rnn), or
/// stepped (Lstm, Gru). It talks to the cell through <see cref="LmuCell.EncodeInput"/>, <see cref="LmuCell.Operators"/>
/// and the hidden update (<see cref="LmuCell.Hidden"/>, <see cref="LmuCell.RnnParts"/>).
/// </summary>
internal static class ParallelLmuForward
{
    /// <summary>Runs the sequence in <paramref name="mode"/> (a resolved parallel mode of <paramref name="computation"/>).</summary>
    public static (Tensor Output, LmuState State) Run(LmuCell cell, Tensor x, LmuState? state, Tensor? lengths, LmuMode mode, LmuComputation computation)
    {
        using var scope = NewDisposeScope();
        var o = cell.Options;
        if (o.GoBackwards) x = TimeIndex.Reverse(x, lengths);
        using var masks = DropoutMasks.Draw(cell, x.shape[0], x.dtype, x.device);
        var u = cell.EncodeInput(x, masks); // [N, T, C]
        var memory = new Memory(cell.Operators(), mode, computation);
        var (output, final) = o.Hidden switch
        {
            HiddenCell.Rnn => RnnHidden(cell, memory, u, x, state, lengths),
            HiddenCell.Lstm or HiddenCell.Gru => SteppedHidden(cell, memory, u, x, state, lengths),
            _ => FeedForwardHidden(cell, memory, u, x, state?.Memory, lengths),
        };
        return LmuState.MoveOut(output, final);
    }

    /// <summary>A None or Linear hidden cell: o_t = activation(W [vec(M_t); x_t] + b) for every step (or the last) at once.</summary>
    static (Tensor Output, LmuState State) FeedForwardHidden(LmuCell cell, Memory memory, Tensor u, Tensor x, Tensor? m0, Tensor? lengths)
    {
        bool sequences = cell.Options.ReturnSequences;
        Tensor read, last;
        if (memory.Mode == LmuMode.Final) last = read = memory.Final(u, m0, lengths);
        else
        {
            var m = memory.Sequence(u, m0); // [N, T, C, d]
            last = TimeIndex.Last(m, lengths);
            read = sequences ? m : last;
        }
        if (!sequences) x = TimeIndex.Last(x, lengths);
        var (output, hidden, _) = cell.Hidden(read.flatten(sequences ? 2 : 1), x, null);
        if (sequences && lengths is not null) output = TimeIndex.HoldAfter(output, lengths);
        if (sequences && hidden is not null) hidden = output.select(1, -1);
        return (output, new LmuState(last, hidden));
    }

    /// <summary>An LSTM or GRU hidden cell stepped over the memories of all steps: o_t, h_t = cell([vec(M_t); x_t]; h_{t−1}).</summary>
    static (Tensor Output, LmuState State) SteppedHidden(LmuCell cell, Memory memory, Tensor u, Tensor x, LmuState? state, Tensor? lengths)
    {
        // unbind, not select: select's backward writes a whole [N, T, …] gradient per step
        var (memories, inputs) = (memory.Sequence(u, state?.Memory).unbind(1), x.unbind(1));
        var initial = state ?? LmuState.Zeros(cell.Options, x.shape[0], x.dtype, x.device);
        return StepLoop.Run(inputs.Length, initial, lengths, cell.Options.ReturnSequences, (t, previous) =>
        {
            var (o, h, c) = cell.Hidden(memories[t].flatten(1), inputs[t], previous);
            return (o, new LmuState(memories[t], h, c));
        });
    }

    /// <summary>
    /// An RNN hidden cell reading the memory: a = W_ih [vec(M_t); x_t] + b for all steps, then h_t = φ(a_t + W_hh h_{t−1})
    /// by <see cref="RnnRecurrence"/> (a fused kernel on CPU). Rows are independent, so steps past a sequence's length
    /// are computed and then replaced by the held output and state. In FFT mode the memory is never built: W_m vec(M_t)
    /// = Σ_k K_k u_{t−k} with the projected impulse response K_k = W_m H_k (<see cref="Memory.Projected"/>).
    /// </summary>
    static (Tensor Output, LmuState State) RnnHidden(LmuCell cell, Memory memory, Tensor u, Tensor x, LmuState? state, Tensor? lengths)
    {
        var (memoryWeight, a, weight) = cell.RnnParts(x);
        Tensor last;
        if (memory.Mode == LmuMode.Fft)
        {
            a = a + memory.Projected(u, memoryWeight, state?.Memory);
            last = memory.Final(u, state?.Memory, lengths);
        }
        else
        {
            var m = memory.Sequence(u, state?.Memory);
            a = a + nn.functional.linear(m.flatten(2), memoryWeight);
            last = TimeIndex.Last(m, lengths);
        }
        var h = RnnRecurrence.apply(a, weight, state?.Hidden, cell.Options.HiddenActivation);
        var lastHidden = TimeIndex.Last(h, lengths).contiguous(); // a copy: a view would keep all of h alive with the state
        var output = !cell.Options.ReturnSequences ? lastHidden : lengths is null ? h : TimeIndex.HoldAfter(h, lengths);
        return (output, new LmuState(last, lastHidden));
    }

    /// <summary>The memory M = H * u of a sequence by one parallel mode, plus the initial memory's zero-input response.</summary>
    readonly record struct Memory(MemoryOperators Operators, LmuMode Mode, LmuComputation Computation)
    {
        /// <summary>M [N, T, C, d] for all steps, including Āᵗ⁺¹ m_0.</summary>
        public Tensor Sequence(Tensor u, Tensor? m0)
        {
            long time = u.shape[1];
            Tensor m;
            switch (Mode)
            {
                case LmuMode.Chunked:
                    var (w, q, aLength) = Operators.Chunk(Math.Min(time, Computation.ChunkLength));
                    return ParallelMemory.Chunked(u, w, q, aLength, m0);
                case LmuMode.Raw:
                    var h = Operators.Impulse(time);
                    long significant = LegendreTensors.SignificantLength(h, Computation.RawTolerance ?? DefaultTolerance(u.dtype));
                    m = ParallelMemory.Raw(u, h[..(int)significant]);
                    break;
                default:
                    long n = ParallelMemory.FastLength(2 * time);
                    m = ParallelMemory.Fft(u, Operators.ImpulseSpectrum(time, n), n);
                    break;
            }
            return m0 is null ? m : m + Operators.ZeroInputResponse(m0, time);
        }

        /// <summary>The last valid state M [N, C, d] by the final-state product (plus the initial memory's part).</summary>
        public Tensor Final(Tensor u, Tensor? m0, Tensor? lengths)
        {
            long time = u.shape[1];
            var aligned = lengths is null ? u : TimeIndex.RightAlign(u, lengths);
            var last = ParallelMemory.Final(aligned, Operators.ReversedImpulse(time));
            if (m0 is null) return last;
            return last + (lengths is null ? Operators.ZeroInputResponseAt(m0, time) : TimeIndex.Last(Operators.ZeroInputResponse(m0, time), lengths));
        }

        /// <summary>
        /// W_m vec(M_t) for all steps [N, T, H] without M: K_c,k = W_m[:, c] H_k ([C, H, T]) convolved with u_c by FFT
        /// and summed over channels. Costs H instead of C·d channels of FFT, and no [N, T, C·d] tensor or product.
        /// </summary>
        public Tensor Projected(Tensor u, Tensor memoryWeight, Tensor? m0)
        {
            using var scope = NewDisposeScope();
            long time = u.shape[1], channels = u.shape[2], hidden = memoryWeight.shape[0];
            long n = ParallelMemory.FastLength(2 * time);
            var impulse = Operators.Impulse(time);                                                 // H [T, d]
            var k = memoryWeight.view(hidden, channels, -1).transpose(0, 1).matmul(impulse.mT);  // K [C, H, T]
            var uf = fft.rfft(u.transpose(1, 2), n, -1);                                          // [N, C, F]
            var af = channels == 1 ? uf * fft.rfft(k[0], n, -1) : einsum("ncf,chf->nhf", uf, fft.rfft(k, n, -1));
            var projected = fft.irfft(af, n, -1)[.., .., ..(int)time].transpose(1, 2);
            if (m0 is not null) projected = projected + nn.functional.linear(Operators.ZeroInputResponse(m0, time).flatten(2), memoryWeight);
            return projected.MoveToOuterDisposeScope();
        }

        /// <summary>Default truncation of H for <see cref="LmuMode.Raw"/>: below float rounding of the largest term.</summary>
        static double DefaultTolerance(ScalarType dtype) => dtype == ScalarType.Float64 ? 1e-15 : 1e-9;
    }
}
