using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace LmuSharp.Runtime;

/// <summary>
/// A fork-join barrier for calls of a few hundred microseconds: <see cref="Run"/> runs work items 0 … Count − 1 once
/// each, on the calling thread and <see cref="Threads"/> − 1 persistent worker threads, and returns when all are done;
/// nothing is allocated per call. Whichever thread is free claims the next item from a shared counter (the caller starts
/// at once), so a worker the OS has not woken yet delays nothing: the caller runs the remaining items itself. With more
/// items than threads, a thread preempted in the middle of an item holds up only that item.
/// Waiting threads spin for <see cref="SpinTicks"/>, yielding the core to any other runnable thread, then block,
/// so workers cost nothing while no calls come. Hand-written because Parallel.For and the thread pool allocate a
/// task or work item per call and wake threads through queues.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    /// <summary>How long a waiting thread spins before it blocks: 200 µs, about one step of 64 psMNIST streams per core,
    /// so a worker stepping back to back never sleeps, and one stepping every few milliseconds wastes little.</summary>
    static readonly long SpinTicks = Stopwatch.Frequency / 5000;

    readonly Action<int> _item;
    readonly Thread[] _threads;
    readonly object _wake = new(), _done = new();
    int _generation;       // incremented by Run (and Dispose) to release the workers
    int _next;             // items claimed so far in this call
    int _remaining;        // items not yet finished in this call
    int _sleepingWorkers;  // workers blocked on _wake
    int _callerSleeping;   // 1 while the caller is blocked on _done
    volatile bool _disposed;
    ExceptionDispatchInfo? _failure;

    /// <summary>Starts <paramref name="threads"/> − 1 background threads that, with the caller, will run <paramref name="item"/>(0 … items − 1) per <see cref="Run"/>.</summary>
    public WorkerPool(int threads, int items, Action<int> item, string name)
    {
        Count = items;
        _item = item;
        _threads = new Thread[threads - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"{name} worker {i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>The number of work items.</summary>
    public int Count { get; }

    /// <summary>The number of threads, the caller included.</summary>
    public int Threads => _threads.Length + 1;

    /// <summary>Runs every item once and returns when all are done; rethrows the first exception an item threw.</summary>
    public void Run()
    {
        _failure = null;
        Volatile.Write(ref _remaining, Count);
        Volatile.Write(ref _next, 0);
        // Interlocked: the new generation is visible before _sleepingWorkers is read (a worker about to block
        // increments _sleepingWorkers before it re-reads _generation, so one of the two sees the other).
        Interlocked.Increment(ref _generation);
        if (Volatile.Read(ref _sleepingWorkers) > 0) lock (_wake) Monitor.PulseAll(_wake);
        RunItems();
        WaitUntilDone();
        _failure?.Throw();
    }

    void RunItems()
    {
        for (int i; (i = Interlocked.Increment(ref _next) - 1) < Count;)
        {
            try { _item(i); }
            catch (Exception e) { Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null); }
            if (Interlocked.Decrement(ref _remaining) == 0 && Volatile.Read(ref _callerSleeping) != 0)
                lock (_done) Monitor.Pulse(_done);
        }
    }

    void WaitUntilDone()
    {
        var spin = new SpinWait();
        long deadline = Stopwatch.GetTimestamp() + SpinTicks;
        while (Volatile.Read(ref _remaining) != 0)
        {
            if (Stopwatch.GetTimestamp() < deadline) { spin.SpinOnce(sleep1Threshold: -1); continue; }
            lock (_done)
            {
                Interlocked.Exchange(ref _callerSleeping, 1);
                while (Volatile.Read(ref _remaining) != 0) Monitor.Wait(_done);
                _callerSleeping = 0;
            }
        }
    }

    void Work()
    {
        int seen = 0;
        while (true)
        {
            seen = NextGeneration(seen);
            if (_disposed) return;
            RunItems();
        }
    }

    /// <summary>Waits until <see cref="Run"/> or <see cref="Dispose"/> moves the generation past <paramref name="seen"/>; returns the new one.</summary>
    int NextGeneration(int seen)
    {
        var spin = new SpinWait();
        long deadline = Stopwatch.GetTimestamp() + SpinTicks;
        int generation;
        while ((generation = Volatile.Read(ref _generation)) == seen)
        {
            if (Stopwatch.GetTimestamp() < deadline) { spin.SpinOnce(sleep1Threshold: -1); continue; }
            lock (_wake)
            {
                Interlocked.Increment(ref _sleepingWorkers);
                while (Volatile.Read(ref _generation) == seen) Monitor.Wait(_wake);
                Interlocked.Decrement(ref _sleepingWorkers);
            }
        }
        return generation;
    }

    /// <summary>Stops and joins the worker threads (call it between runs, not during one).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Interlocked.Increment(ref _generation);
        lock (_wake) Monitor.PulseAll(_wake);
        foreach (var thread in _threads) thread.Join();
    }
}
