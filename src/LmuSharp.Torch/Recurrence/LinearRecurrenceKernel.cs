using System.Numerics;
using System.Runtime.InteropServices;

namespace LmuSharp.Torch.Recurrence;

/// <summary>How the CPU kernel splits a scan across cores.</summary>
internal enum ScanStrategy
{
    /// <summary>Channel blocks, unless batch × channels is too small to fill a SIMD vector per core of a many-core machine on a long sequence.</summary>
    Auto,

    /// <summary>Independent (sequence, channel block) lanes, each scanned sequentially over time.</summary>
    ChannelBlocks,

    /// <summary>Three-phase chunked scan over time (Martin &amp; Cundy 2018): reduce chunks, carry, rescan.</summary>
    TimeChunks,
}

/// <summary>
/// CPU kernel of h_t = a_t ⊙ h_{t-1} + x_t (docs/MATH.md §4) and of its backward pass, over raw tensor memory.
/// Hand-written because no available package scans a first-order linear recurrence: libtorch has no such
/// op, and per-step tensor ops would pay TorchSharp's dispatch on every step (docs/BENCHMARKS.md, per-step ops).
/// Parallel over (sequence, channel block) lanes; for tiny batch × channels on many cores, over time chunks.
/// </summary>
internal static unsafe class LinearRecurrenceKernel
{
    /// <summary>Below this many elements the parallel dispatch costs more than it saves.</summary>
    const long ParallelAbove = 1 << 15;

    /// <summary>Narrowest channel block handed to a core of its own (bytes of one row).</summary>
    const int MinBlockBytes = 16 << 10;

    /// <summary>Shortest time chunk worth a separate task in the chunked scan (Auto picks chunks only above this).</summary>
    const int MinChunk = 4096;

    /// <summary>One sequence's channels [C0, C0 + Width), scanned as a unit.</summary>
    readonly record struct Lane(int B, int C0, int Width);

    /// <summary>h = scan(x, a) from h0 (zero when h0 is null).</summary>
    public static void Forward<T>(ScanGeometry g, T* x, T* a, T* h0, T* h, ScanStrategy strategy = ScanStrategy.Auto)
        where T : unmanaged, INumber<T>
    {
        if (g.Elements == 0) return;
        using var zeros = new NativeRow<T>(g.Channels, T.Zero);
        var lanes = Plan<T>(g, ref strategy);
        if (strategy == ScanStrategy.TimeChunks) ForwardChunked(g, x, a, h0, h, zeros.Pointer, lanes);
        else Run(lanes.Length, g.Elements, i =>
        {
            var lane = lanes[i];
            var prev = (h0 is null ? zeros.Pointer : h0 + (long)lane.B * g.Channels) + lane.C0;
            ScanLane(g, x, a, h, lane, 0, g.Time, prev);
        });
    }

    /// <summary>
    /// Gradients from ∂L/∂h: ∂L/∂x (x-shaped), ∂L/∂a as [Batch, Time or 1, Channels] (every row written; when
    /// a is time-invariant, summed over time into rows the caller zero-initialised), and ∂L/∂h0 when gradH0 is not null.
    /// h is the forward output, h0 the initial state (null for zero).
    /// </summary>
    public static void Backward<T>(ScanGeometry g, T* gradH, T* a, T* h, T* h0, T* gradX, T* gradA, T* gradH0,
        ScanStrategy strategy = ScanStrategy.Auto) where T : unmanaged, INumber<T>
    {
        if (g.Elements == 0) return;
        using var zeros = new NativeRow<T>(g.Channels, T.Zero);
        var lanes = Plan<T>(g, ref strategy);
        var io = new BackwardIo<T>(gradH, a, h, h0, gradX, gradA, gradH0, zeros.Pointer);
        if (strategy == ScanStrategy.TimeChunks) BackwardChunked(g, io, lanes);
        else Run(lanes.Length, g.Elements, i =>
        {
            var lane = lanes[i];
            var acc = g.ATime ? null : io.GradA + g.ARow(lane.B, 0, true) + lane.C0;
            BackLane(g, io, lane, 0, g.Time, io.Zeros + lane.C0, io.Zeros + lane.C0, acc);
            InitialStateGradient(g, io, lane);
        });
    }

    /// <summary>The backward pass's tensors, bundled so lambdas can carry them.</summary>
    readonly struct BackwardIo<T>(T* gradH, T* a, T* h, T* h0, T* gradX, T* gradA, T* gradH0, T* zeros)
        where T : unmanaged
    {
        public readonly T* GradH = gradH, A = a, H = h, H0 = h0, GradX = gradX, GradA = gradA, GradH0 = gradH0, Zeros = zeros;
    }

    /// <summary>Forward over logical steps [s0, s1) of one lane, starting from prev = h_{s0-1}.</summary>
    static void ScanLane<T>(ScanGeometry g, T* x, T* a, T* h, Lane lane, int s0, int s1, T* prev)
        where T : unmanaged, INumber<T>
    {
        long off = g.Row(lane.B, s0) + lane.C0, aOff = g.ARow(lane.B, s0, g.ABatch) + lane.C0;
        for (int s = s0; s < s1; s++, off += g.Stride, aOff += g.AStride)
        {
            ScanRows.Step(a + aOff, prev, x + off, h + off, lane.Width, g.Reverse);
            prev = h + off;
        }
    }

    /// <summary>
    /// Backward over logical steps s1-1 down to s0 of one lane: g_s = ∂L/∂h_s + a_{s+1} ⊙ g_{s+1}, where
    /// ma ⊙ mg stands for a_{s1} ⊙ g_{s1}. ∂L/∂a goes to its rows, or is added into acc when a is time-invariant.
    /// </summary>
    static void BackLane<T>(ScanGeometry g, BackwardIo<T> io, Lane lane, int s0, int s1, T* ma, T* mg, T* acc)
        where T : unmanaged, INumber<T>
    {
        var start = (io.H0 is null ? io.Zeros : io.H0 + (long)lane.B * g.Channels) + lane.C0; // h_{-1}
        long off = g.Row(lane.B, s1 - 1) + lane.C0, aOff = g.ARow(lane.B, s1 - 1, g.ABatch) + lane.C0;
        long gradAOff = g.ARow(lane.B, s1 - 1, true) + lane.C0;
        for (int s = s1 - 1; s >= s0; s--, off -= g.Stride, aOff -= g.AStride, gradAOff -= g.AStride)
        {
            var hp = s > 0 ? io.H + off - g.Stride : start;
            var gradA = acc is null ? io.GradA + gradAOff : acc;
            ScanRows.BackStep(io.GradH + off, ma, mg, hp, io.GradX + off, gradA, acc is not null, lane.Width, !g.Reverse);
            ma = io.A + aOff;
            mg = io.GradX + off;
        }
    }

    /// <summary>∂L/∂h0 = a_0 ⊙ g_0 (logical step 0), once g_0 is known.</summary>
    static void InitialStateGradient<T>(ScanGeometry g, BackwardIo<T> io, Lane lane) where T : unmanaged, INumber<T>
    {
        if (io.GradH0 is null) return;
        ScanRows.Multiply(io.A + g.ARow(lane.B, 0, g.ABatch) + lane.C0, io.GradX + g.Row(lane.B, 0) + lane.C0,
            io.GradH0 + (long)lane.B * g.Channels + lane.C0, lane.Width);
    }

    /// <summary>
    /// Chunked forward (three phases). 1: chunk 0 scans from h0 while every later chunk k reduces to
    /// (P_k = Π a, E_k = its end state from zero). 2: carries c_{k+1} = P_k ⊙ c_k + E_k, sequentially.
    /// 3: chunks 1.. rescan from their carries.
    /// </summary>
    static void ForwardChunked<T>(ScanGeometry g, T* x, T* a, T* h0, T* h, T* zeros, Lane[] lanes)
        where T : unmanaged, INumber<T>
    {
        var bounds = ChunkBounds(g.Time);
        int k = bounds.Length - 1, c = g.Channels;
        using var buffers = new NativeRow<T>(3L * lanes.Length * k * c, T.Zero);
        T* Slot(int which, int lane, int chunk) => buffers.Pointer + (((long)which * lanes.Length + lane) * k + chunk) * c;
        const int E = 0, P = 1, Carry = 2;

        Run(lanes.Length * k, g.Elements, i =>
        {
            int l = i / k, j = i % k;
            var lane = lanes[l];
            if (j == 0)
            {
                ScanLane(g, x, a, h, lane, 0, bounds[1], (h0 is null ? zeros : h0 + (long)lane.B * c) + lane.C0);
                return;
            }
            T* e = Slot(E, l, j), p = Slot(P, l, j);
            ScanRows.Fill(p, T.One, lane.Width);
            long off = g.Row(lane.B, bounds[j]) + lane.C0, aOff = g.ARow(lane.B, bounds[j], g.ABatch) + lane.C0;
            for (int s = bounds[j]; s < bounds[j + 1]; s++, off += g.Stride, aOff += g.AStride)
                ScanRows.ReduceStep(a + aOff, x + off, e, p, lane.Width, g.Reverse);
        });
        for (int l = 0; l < lanes.Length; l++)
        {
            var lane = lanes[l];
            new Span<T>(h + g.Row(lane.B, bounds[1] - 1) + lane.C0, lane.Width).CopyTo(new Span<T>(Slot(Carry, l, 1), lane.Width));
            for (int j = 1; j + 1 < k; j++)
                ScanRows.Carry(Slot(P, l, j), Slot(Carry, l, j), Slot(E, l, j), Slot(Carry, l, j + 1), lane.Width);
        }
        Run(lanes.Length * (k - 1), g.Elements, i =>
        {
            int l = i / (k - 1), j = i % (k - 1) + 1;
            ScanLane(g, x, a, h, lanes[l], bounds[j], bounds[j + 1], Slot(Carry, l, j));
        });
    }

    /// <summary>
    /// Chunked backward, the mirror image of <see cref="ForwardChunked{T}"/>: the last chunk scans back from
    /// g_T = 0 while earlier chunks reduce to (P_k = Π a, Q_k = a_{s_k} ⊙ g_{s_k} from a zero carry); carries
    /// q_{k-1} = P_k ⊙ q_k + Q_k; then the earlier chunks rescan. ∂L/∂a of a time-invariant a is summed per
    /// chunk and then over chunks in a fixed order.
    /// </summary>
    static void BackwardChunked<T>(ScanGeometry g, BackwardIo<T> io, Lane[] lanes) where T : unmanaged, INumber<T>
    {
        var bounds = ChunkBounds(g.Time);
        int k = bounds.Length - 1, c = g.Channels;
        using var buffers = new NativeRow<T>(4L * lanes.Length * k * c + c, T.Zero);
        T* Slot(int which, int lane, int chunk) => buffers.Pointer + (((long)which * lanes.Length + lane) * k + chunk) * c;
        const int Q = 0, P = 1, Carry = 2, Acc = 3;
        var ones = buffers.Pointer + 4L * lanes.Length * k * c;
        ScanRows.Fill(ones, T.One, c);

        Run(lanes.Length * k, g.Elements, i =>
        {
            int l = i / k, j = i % k;
            var lane = lanes[l];
            if (j == k - 1)
            {
                BackLane(g, io, lane, bounds[j], g.Time, io.Zeros + lane.C0, io.Zeros + lane.C0, g.ATime ? null : Slot(Acc, l, j));
                return;
            }
            T* q = Slot(Q, l, j), p = Slot(P, l, j);
            ScanRows.Fill(p, T.One, lane.Width);
            for (int s = bounds[j + 1] - 1; s >= bounds[j]; s--)
                ScanRows.ReduceBackStep(io.A + g.ARow(lane.B, s, g.ABatch) + lane.C0, io.GradH + g.Row(lane.B, s) + lane.C0, q, p, lane.Width, !g.Reverse);
        });
        for (int l = 0; l < lanes.Length; l++)
        {
            var lane = lanes[l];
            int s = bounds[k - 1];
            ScanRows.Multiply(io.A + g.ARow(lane.B, s, g.ABatch) + lane.C0, io.GradX + g.Row(lane.B, s) + lane.C0, Slot(Carry, l, k - 2), lane.Width);
            for (int j = k - 2; j > 0; j--)
                ScanRows.Carry(Slot(P, l, j), Slot(Carry, l, j), Slot(Q, l, j), Slot(Carry, l, j - 1), lane.Width);
        }
        Run(lanes.Length * (k - 1), g.Elements, i =>
        {
            int l = i / (k - 1), j = i % (k - 1);
            BackLane(g, io, lanes[l], bounds[j], bounds[j + 1], ones + lanes[l].C0, Slot(Carry, l, j), g.ATime ? null : Slot(Acc, l, j));
        });
        for (int l = 0; l < lanes.Length; l++)
        {
            var lane = lanes[l];
            InitialStateGradient(g, io, lane);
            if (g.ATime) continue;
            var gradA = io.GradA + g.ARow(lane.B, 0, true) + lane.C0;
            for (int j = 0; j < k; j++) ScanRows.AddTo(Slot(Acc, l, j), gradA, lane.Width);
        }
    }

    /// <summary>
    /// Picks the lanes. A lane is a whole sequence, or a block of at least MinBlockBytes of its channels when
    /// rows are wide enough to give every core one: two cores writing neighbouring parts of the same rows
    /// fight over cache lines (most likely the prefetchers pulling the neighbour's lines), which is slower than
    /// one core for 64–512-channel rows. With fewer lanes than cores, Auto picks time chunks only for lanes
    /// narrower than a SIMD vector per core and only on machines with more than two cores: chunking adds half
    /// again the memory traffic, and on two cores it is slower than one core per sequence even at 4 channels
    /// (docs/BENCHMARKS.md, "Parallel strategy when there is one sequence").
    /// </summary>
    static Lane[] Plan<T>(ScanGeometry g, ref ScanStrategy strategy) where T : unmanaged
    {
        int cores = Environment.ProcessorCount;
        int maxBlocks = (int)Math.Max(1, (long)g.Channels * sizeof(T) / MinBlockBytes);
        int blocks = strategy == ScanStrategy.TimeChunks ? 1 : Math.Min(maxBlocks, (cores + g.Batch - 1) / g.Batch);
        if (strategy == ScanStrategy.Auto)
            strategy = cores > 2 && (long)g.Batch * blocks < cores && (long)g.Batch * g.Channels < (long)cores * Vector<T>.Count
                && g.Time >= 2 * MinChunk ? ScanStrategy.TimeChunks : ScanStrategy.ChannelBlocks;
        if (strategy == ScanStrategy.TimeChunks) blocks = 1;
        if (g.Time < 2) strategy = ScanStrategy.ChannelBlocks;

        int width = (g.Channels + blocks - 1) / blocks;
        var lanes = new List<Lane>();
        for (int b = 0; b < g.Batch; b++)
            for (int c0 = 0; c0 < g.Channels; c0 += width)
                lanes.Add(new Lane(b, c0, Math.Min(width, g.Channels - c0)));
        return [.. lanes];
    }

    /// <summary>Chunk boundaries over time: two chunks per core (at least two, at most one step each).</summary>
    static int[] ChunkBounds(int time)
    {
        int chunks = Math.Min(time, Math.Max(2, 2 * Environment.ProcessorCount));
        var bounds = new int[chunks + 1];
        for (int j = 0; j <= chunks; j++) bounds[j] = (int)((long)time * j / chunks);
        return bounds;
    }

    /// <summary>Runs body(0..count-1), in parallel when the scan is large enough to pay for it.</summary>
    static void Run(int count, long elements, Action<int> body)
    {
        if (count == 1 || elements < ParallelAbove)
            for (int i = 0; i < count; i++) body(i);
        else Parallel.For(0, count, body);
    }

    /// <summary>A native, pinned scratch buffer (keeps scratch out of the GC heap and usable from lambdas).</summary>
    sealed class NativeRow<T> : IDisposable where T : unmanaged
    {
        public T* Pointer { get; private set; }

        public NativeRow(long length, T value)
        {
            Pointer = (T*)NativeMemory.Alloc((nuint)Math.Max(length, 1), (nuint)sizeof(T));
            new Span<T>(Pointer, checked((int)length)).Fill(value);
        }

        public void Dispose()
        {
            NativeMemory.Free(Pointer);
            Pointer = null;
        }
    }
}
