using TorchSharp;
using LmuSharp.Torch.Recurrence;
using static TorchSharp.torch;

namespace LmuSharp.Torch;

/// <summary>
/// The whole-sequence forward pass of an LMU without feedback into the memory, on an <see cref="LmuCell"/>'s
/// weights: u = W_x x + b for all steps, M = H * u by one of the <see cref="ParallelMode"/>s, then
/// o_t = hidden([vec(M_t); x_t]) for all steps at once (none/linear) or stepped (a recurrent hidden cell).
/// </summary>
internal static class ParallelLmuForward
{
    /// <summary>
    /// Which parallel mode <see cref="ParallelMode.Auto"/> resolves to for a sequence of <paramref name="time"/> steps:
    /// the final-state product without return_sequences, else FFT, which `lmu bench` measured fastest at every
    /// length from 16 to 10,000 steps on an idle 2-core AVX-512 machine (order 256, batch 4; raw was 1.1–2.7×
    /// slower below 200 steps, chunked and sequential slower everywhere).
    /// </summary>
    public static ParallelMode Resolve(ParallelMode mode, bool returnSequences, long time) => mode switch
    {
        ParallelMode.Auto when !returnSequences => ParallelMode.Final,
        ParallelMode.Auto => ParallelMode.Fft,
        _ => mode,
    };

    public static (Tensor Output, LmuState State) Run(LmuCell cell, Tensor x, LmuState? state, Tensor? lengths, Settings settings)
    {
        using var scope = NewDisposeScope();
        var o = cell.Options;
        long time = x.shape[1];
        var mode = Resolve(settings.Mode, o.ReturnSequences, time);
        if (o.GoBackwards) x = TimeIndex.Reverse(x, lengths);
        using var masks = DropoutMasks.Draw(cell, x.shape[0], x.dtype, x.device);
        var u = cell.EncodeInput(x, masks); // [N, T, C]
        if (o.Hidden is HiddenCell.Rnn or HiddenCell.Lstm or HiddenCell.Gru)
        {
            // the memory for all steps at once; only the recurrent hidden cell is stepped
            var sequenceMode = Resolve(mode == ParallelMode.Final ? ParallelMode.Auto : mode, true, time);
            if (o.Hidden == HiddenCell.Rnn)
            {
                var (h, rnnState) = RnnHidden(cell, u, x, state, lengths, sequenceMode, settings);
                return LmuState.MoveOut(h, rnnState);
            }
            var all = Sequence(cell, u, state?.Memory, sequenceMode, settings);
            var (y, hiddenState) = HiddenRecurrence(cell, all.flatten(2), x, state, lengths);
            var final = hiddenState with { Memory = TimeIndex.Last(all, lengths) };
            return LmuState.MoveOut(y, final);
        }
        Tensor memory, last;
        if (mode == ParallelMode.Final)
        {
            last = FinalMemory(cell, u, state?.Memory, lengths);
            memory = last.flatten(1);
            x = TimeIndex.Last(x, lengths);
        }
        else
        {
            var m = Sequence(cell, u, state?.Memory, mode, settings); // [N, T, C, d]
            last = TimeIndex.Last(m, lengths);
            memory = o.ReturnSequences ? m.flatten(2) : last.flatten(1);
            if (!o.ReturnSequences) x = TimeIndex.Last(x, lengths);
        }
        var (output, hidden, _) = cell.Hidden(memory, x, null);
        if (o.ReturnSequences && lengths is not null) output = TimeIndex.HoldAfter(output, lengths);
        if (o.ReturnSequences && hidden is not null) hidden = output.select(1, -1);
        return LmuState.MoveOut(output, new LmuState(last, hidden));
    }

    /// <summary>
    /// An RNN hidden cell reading the memory: a = W_ih [vec(M_t); x_t] + b for all steps, then h_t = φ(a_t + W_hh h_{t−1})
    /// by <see cref="RnnRecurrence"/> (a fused kernel on CPU). Rows are independent, so steps past a sequence's length
    /// are computed and then replaced by the held output and state. In FFT mode the memory is never built: W_m vec(M_t)
    /// = Σ_k K_k u_{t−k} with the projected impulse response K_k = W_m H_k (<see cref="ProjectedMemory"/>).
    /// </summary>
    static (Tensor Output, LmuState State) RnnHidden(LmuCell cell, Tensor u, Tensor x, LmuState? state, Tensor? lengths, ParallelMode mode, Settings settings)
    {
        var (memoryWeight, a, weight) = cell.RnnParts(x);
        Tensor last;
        if (mode == ParallelMode.Fft)
        {
            a = a + ProjectedMemory(cell, u, memoryWeight);
            if (state is not null) a = a + nn.functional.linear(ZeroInputResponse(cell, state.Memory, u.shape[1]).flatten(2), memoryWeight);
            last = FinalMemory(cell, u, state?.Memory, lengths);
        }
        else
        {
            var m = Sequence(cell, u, state?.Memory, mode, settings);
            a = a + nn.functional.linear(m.flatten(2), memoryWeight);
            last = TimeIndex.Last(m, lengths);
        }
        var h = RnnRecurrence.apply(a, weight, state?.Hidden, cell.Options.HiddenActivation);
        var lastHidden = TimeIndex.Last(h, lengths).contiguous(); // a copy: a view would keep all of h alive with the state
        var output = !cell.Options.ReturnSequences ? lastHidden : lengths is null ? h : TimeIndex.HoldAfter(h, lengths);
        return (output, new LmuState(last, lastHidden));
    }

    /// <summary>
    /// W_m vec(M_t) for all steps [N, T, H] without M: K_c,k = W_m[:, c] H_k ([C, H, T]) convolved with u_c by FFT
    /// and summed over channels. Costs H instead of C·d channels of FFT, and no [N, T, C·d] tensor or product.
    /// </summary>
    static Tensor ProjectedMemory(LmuCell cell, Tensor u, Tensor memoryWeight)
    {
        using var scope = NewDisposeScope();
        long time = u.shape[1], channels = u.shape[2], hidden = memoryWeight.shape[0];
        long n = ParallelMemory.FastLength(2 * time);
        var impulse = cell.Legendre.Impulse(time, u.dtype, u.device, cell.Learnt);              // H [T, d]
        var k = memoryWeight.view(hidden, channels, -1).transpose(0, 1).matmul(impulse.mT);  // K [C, H, T]
        var uf = fft.rfft(u.transpose(1, 2), n, -1);                                          // [N, C, F]
        var af = channels == 1 ? uf * fft.rfft(k[0], n, -1) : einsum("ncf,chf->nhf", uf, fft.rfft(k, n, -1));
        return fft.irfft(af, n, -1)[.., .., ..(int)time].transpose(1, 2).MoveToOuterDisposeScope();
    }

    /// <summary>The last valid memory state M [N, C, d] by the final-state product (plus the initial memory's part).</summary>
    static Tensor FinalMemory(LmuCell cell, Tensor u, Tensor? m0, Tensor? lengths)
    {
        long time = u.shape[1];
        var aligned = lengths is null ? u : TimeIndex.RightAlign(u, lengths);
        var last = ParallelMemory.Final(aligned, cell.Legendre.ReversedImpulse(time, u.dtype, u.device, cell.Learnt));
        return m0 is null ? last : last + InitialStateAtEnd(cell, m0, lengths, time);
    }

    /// <summary>
    /// An LSTM or GRU hidden cell over precomputed memories [N, T, C·d]: o_t, h_t = cell([vec(M_t); x_t]; h_{t−1}).
    /// Past a sequence's length the hidden state and the output hold. Returns the state with a placeholder memory.
    /// </summary>
    static (Tensor Output, LmuState State) HiddenRecurrence(LmuCell cell, Tensor memory, Tensor x, LmuState? state, Tensor? lengths)
    {
        long n = x.shape[0], time = x.shape[1];
        var len = lengths?.to(ScalarType.Int64, x.device);
        var current = state ?? LmuState.Zeros(cell.Options, n, x.dtype, x.device);
        var outputs = new List<Tensor>((int)time);
        var (memories, inputs) = (memory.unbind(1), x.unbind(1)); // unbind, not select: select's backward writes a whole [N, T, …] gradient per step
        for (int t = 0; t < time; t++)
        {
            var (o, h, c) = cell.Hidden(memories[t], inputs[t], current);
            if (len is not null && t > 0)
            {
                var valid = len.gt(t).view(n, 1);
                o = where(valid, o, outputs[^1]);
                h = where(valid, h!, current.Hidden!);
                c = c is null ? null : where(valid, c, current.Cell!);
            }
            outputs.Add(o);
            current = new LmuState(memory, h, c);
        }
        var output = cell.Options.ReturnSequences ? stack(outputs, 1) : outputs[^1];
        return (output, current);
    }

    /// <summary>M [N, T, C, d] for all steps, including the initial state's zero-input response Ā^{t+1} m_0.</summary>
    static Tensor Sequence(LmuCell cell, Tensor u, Tensor? m0, ParallelMode mode, Settings settings)
    {
        long time = u.shape[1];
        var (dtype, device, learnt) = (u.dtype, u.device, cell.Learnt);
        Tensor m;
        switch (mode)
        {
            case ParallelMode.Chunked:
                var (w, q, aLength) = cell.Legendre.ChunkOperators(Math.Min(time, settings.ChunkLength), dtype, device, learnt);
                return ParallelMemory.Chunked(u, w, q, aLength, m0);
            case ParallelMode.Raw:
                var h = cell.Legendre.Impulse(time, dtype, device, learnt);
                long significant = LegendreTensors.SignificantLength(h, settings.RawTolerance ?? DefaultTolerance(dtype));
                m = ParallelMemory.Raw(u, h[..(int)significant]);
                break;
            default:
                long n = ParallelMemory.FastLength(2 * time);
                m = ParallelMemory.Fft(u, cell.Legendre.ImpulseSpectrum(time, n, dtype, device, learnt), n);
                break;
        }
        return m0 is null ? m : m + ZeroInputResponse(cell, m0, time);
    }

    /// <summary>Ā^{t+1} m_0 for t &lt; <paramref name="time"/>, [N, T, C, d]: the initial memory's part of every state.</summary>
    static Tensor ZeroInputResponse(LmuCell cell, Tensor m0, long time)
    {
        var (aBar, _) = cell.DiscreteMatrices();
        return LegendreTensors.ZeroInputResponse(m0, aBar, time).transpose(1, 2);
    }

    /// <summary>Ā^{len} m_0: the initial memory's contribution to the last valid state.</summary>
    static Tensor InitialStateAtEnd(LmuCell cell, Tensor m0, Tensor? lengths, long time)
    {
        var (aBar, _) = cell.DiscreteMatrices();
        return lengths is null ? m0.matmul(aBar.matrix_power((int)time).mT) : TimeIndex.Last(ZeroInputResponse(cell, m0, time), lengths);
    }

    /// <summary>Default truncation of H for <see cref="ParallelMode.Raw"/>: below float rounding of the largest term.</summary>
    static double DefaultTolerance(ScalarType dtype) => dtype == ScalarType.Float64 ? 1e-15 : 1e-9;

    /// <summary>The tunable parts of the parallel computation.</summary>
    /// <param name="Mode">The memory computation mode.</param>
    /// <param name="ChunkLength">L for <see cref="ParallelMode.Chunked"/>.</param>
    /// <param name="RawTolerance">The truncation tolerance of H for <see cref="ParallelMode.Raw"/>, relative to max ‖H_k‖; null for the dtype's default.</param>
    internal readonly record struct Settings(ParallelMode Mode, long ChunkLength, double? RawTolerance);
}
