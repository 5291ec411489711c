using LmuSharp.Runtime;

namespace LmuSharp.Tests;

/// <summary>The fork-join barrier under <see cref="LmuBatch"/>'s threads: every item once per run, errors surfaced, clean shutdown.</summary>
public class WorkerPoolTests
{
    [Theory]
    [InlineData(2, 2)]
    [InlineData(5, 5)]
    [InlineData(2, 8)] // more items than threads: whichever thread is free takes the next
    public void Every_item_runs_exactly_once_per_run_and_is_finished_when_Run_returns(int threads, int items)
    {
        var counts = new int[items];
        using var pool = new WorkerPool(threads, items, i => Interlocked.Increment(ref counts[i]), "test");
        for (int run = 1; run <= 2000; run++)
        {
            pool.Run();
            for (int i = 0; i < items; i++) Assert.True(counts[i] == run, $"run {run}: item {i} ran {counts[i]} times");
            if (run % 500 == 0) Thread.Sleep(2); // past the spin: the workers block and must be woken
        }
    }

    [Fact]
    public void An_exception_in_an_item_reaches_the_caller_after_every_item_finished_and_the_pool_carries_on()
    {
        int finished = 0;
        bool fail = true;
        using var pool = new WorkerPool(3, 3, i =>
        {
            if (fail && i == 2) throw new InvalidOperationException("item 2");
            Thread.Sleep(1);
            Interlocked.Increment(ref finished);
        }, "test");
        Assert.Equal("item 2", Assert.Throws<InvalidOperationException>(pool.Run).Message);
        Assert.Equal(2, finished);
        fail = false;
        pool.Run();
        Assert.Equal(5, finished);
    }
}
