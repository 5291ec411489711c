using System.Diagnostics;
using System.Runtime.ExceptionServices;
using static TorchSharp.torch;

namespace LmuSharp.Torch.Training;

/// <summary>
/// Runs a phase of work on two cores: phase(0) on the calling thread (lane 0) and phase(1) on a thread kept for the
/// process (lane 1), back when both are done. Written by hand because a training step of the psMNIST model is a chain of
/// sub-millisecond phases, and neither of the usual ways splits it well: .NET's thread pool wakes a worker per call, and
/// libtorch's OpenMP threads keep spinning for milliseconds after each parallel op, on the core the step's C# passes need
/// (those ran 2–4× slower beside a spinning thread). Callers hold libtorch to one thread on their own thread while they
/// use lanes (a change that costs a fraction of a microsecond); lane 1 holds it to one thread on its own. After a phase lane
/// 1 spins 1 ms, awake for the next phase and the next step's (a psMNIST step spends ≈ 0.25 ms between its last phase and the
/// next step's first, where a 0.2 ms spin let lane 1 fall asleep and cost 35–60 µs to wake), then sleeps. Both waits read a
/// flag without the pause instruction: each lane has a core of its own, and on this VM a pause loop delayed the hand-over
/// (lane 1 started a step's first phase 10 µs after it was posted without pauses, 25 µs with them, over 5,000 steps). One
/// caller at a time: others wait their turn.
/// </summary>
internal static class TwoLanes
{
    static readonly Lane One = new("LmuSharp lane 1", spinMicroseconds: 1000);
    static readonly object Gate = new();

    /// <summary>
    /// Runs <paramref name="phase"/>(0) here and <paramref name="phase"/>(1) on lane 1, and waits for both; rethrows an exception
    /// of either. A phase must not call <see cref="Run"/> itself.
    /// </summary>
    public static void Run(Action<int> phase)
    {
        lock (Gate)
        {
            One.Post(() => phase(1));
            Exception? local = null;
            try { phase(0); }
            catch (Exception e) { local = e; }
            var remote = One.Wait();
            if ((local ?? remote) is { } error) ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    /// <summary>A thread that runs posted work, one item at a time, with libtorch held to one thread on it.</summary>
    sealed class Lane
    {
        readonly SemaphoreSlim _wake = new(0);
        readonly long _spinTicks;
        Action? _work;
        Exception? _error;
        int _posted, _completed, _sleeping;

        public Lane(string name, int spinMicroseconds)
        {
            _spinTicks = Stopwatch.Frequency * spinMicroseconds / 1_000_000;
            new Thread(Loop) { IsBackground = true, Name = name }.Start();
        }

        public void Post(Action work)
        {
            (_work, _error) = (work, null);
            Interlocked.Increment(ref _posted);
            if (Volatile.Read(ref _sleeping) == 1) _wake.Release(); // after the increment: a lane about to sleep reads _posted again
        }

        /// <summary>Spins until the posted work is done (the waiter is lane 0: each lane has a core).</summary>
        public Exception? Wait()
        {
            while (Volatile.Read(ref _completed) != Volatile.Read(ref _posted)) { }
            return _error;
        }

        void Loop()
        {
            set_num_threads(1);
            int seen = 0;
            while (true)
            {
                long until = Stopwatch.GetTimestamp() + _spinTicks;
                for (int i = 1; Volatile.Read(ref _posted) == seen && (i % 64 != 0 || Stopwatch.GetTimestamp() < until); i++) { }
                if (Volatile.Read(ref _posted) == seen)
                {
                    Interlocked.Exchange(ref _sleeping, 1);
                    if (Volatile.Read(ref _posted) == seen) _wake.Wait();
                    Interlocked.Exchange(ref _sleeping, 0);
                    continue;
                }
                seen = Volatile.Read(ref _posted);
                try { _work!(); }
                catch (Exception e) { _error = e; }
                Volatile.Write(ref _completed, seen);
            }
        }
    }
}
