using LmuSharp.Runtime;

namespace LmuSharp.Tests;

/// <summary>
/// No allocation per step on any thread, each thread counted by itself (GC.GetAllocatedBytesForCurrentThread), so other
/// tests running at the same time cannot disturb the count.
/// </summary>
public class ParallelBatchAllocationTests
{
    [ThreadStatic] static long t_seen;
    [ThreadStatic] static bool t_started;
    static long s_allocated;

    /// <summary>Adds what this thread allocated since its previous item started: the pool's waiting and claiming, and the item.</summary>
    static void CountSincePreviousItem()
    {
        long now = GC.GetAllocatedBytesForCurrentThread();
        if (t_started) Interlocked.Add(ref s_allocated, now - t_seen);
        (t_seen, t_started) = (now, true);
    }

    /// <summary>
    /// As in RuntimeTests: one clean window out of five proves that a step allocates nothing (a step that allocated would make every
    /// window allocate), while the suite's own first-time work (type loading, tiered re-compilation) may land in one.
    /// </summary>
    static long FewestBytesInAWindow(Func<long> window)
    {
        long fewest = long.MaxValue;
        for (int i = 0; i < 5 && fewest > 0; i++) fewest = Math.Min(fewest, window());
        return fewest;
    }

    [Fact]
    public void Steps_on_three_threads_allocate_nothing_on_the_calling_thread()
    {
        var b = RuntimeTests.Architectures["stack: lmu_cell lstm → parallel_lmu → gilr → dense"]();
        var model = LmuModel.FromWeights(b.Weights, b.Metadata);
        using var batch = model.CreateBatch(9, 3);
        var x = Enumerable.Range(0, 9 * model.InputSize).Select(i => 0.1f * (i % 7) - 0.3f).ToArray();
        var y = new float[9 * model.OutputSize];
        for (int t = 0; t < 20; t++) batch.Step(x, y);
        Assert.Equal(0, FewestBytesInAWindow(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int t = 0; t < 300; t++) batch.Step(x, y);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }));
    }

    [Fact]
    public void The_worker_pool_allocates_nothing_on_any_thread_spinning_or_woken_from_sleep()
    {
        // Items long enough (tens of µs) for the workers to claim some: a thread's count is taken when it starts an item.
        using var pool = new WorkerPool(3, 3, _ => { CountSincePreviousItem(); Thread.SpinWait(5000); }, "test");
        for (int run = 0; run < 50; run++) pool.Run();
        Assert.Equal(0, FewestBytesInAWindow(() =>
        {
            Interlocked.Exchange(ref s_allocated, 0);
            for (int run = 0; run < 300; run++)
            {
                pool.Run();
                if (run % 100 == 99) Thread.Sleep(2); // past the spin: the workers block and are woken by the next run
            }
            return Interlocked.Read(ref s_allocated);
        }));
    }
}
