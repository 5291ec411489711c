using LmuSharp.Runtime;

namespace LmuSharp.Tests;

/// <summary>The fork-join barrier under <see cref="LmuBatch"/>'s threads: every item once per run, errors surfaced, clean shutdown.</summary>
public class WorkerPoolTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void Every_item_runs_exactly_once_per_run_and_is_finished_when_Run_returns(int items)
    {
        var counts = new int[items];
        using var pool = new WorkerPool(items, i => Interlocked.Increment(ref counts[i]), "test");
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
        using var pool = new WorkerPool(3, i =>
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

/// <summary>Allocation counts over the whole process, so run alone.</summary>
[CollectionDefinition(nameof(ParallelBatchAllocationTests), DisableParallelization = true)]
public class ParallelBatchAllocationCollection;

[Collection(nameof(ParallelBatchAllocationTests))]
public class ParallelBatchAllocationTests
{
    [Fact]
    public void Steps_on_three_threads_allocate_nothing_on_any_thread()
    {
        var b = RuntimeTests.Architectures["stack: lmu_cell lstm → parallel_lmu → gilr → dense"]();
        var model = LmuModel.FromWeights(b.Weights, b.Metadata);
        using var batch = model.CreateBatch(9, 3);
        var x = Enumerable.Range(0, 9 * model.InputSize).Select(i => 0.1f * (i % 7) - 0.3f).ToArray();
        var y = new float[9 * model.OutputSize];
        for (int t = 0; t < 20; t++) batch.Step(x, y);
        // As in RuntimeTests: one clean window of 300 steps out of five proves that a step allocates nothing
        // (a step that allocated would make every window allocate); here counted over all threads.
        long fewest = long.MaxValue;
        for (int window = 0; window < 5 && fewest > 0; window++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int t = 0; t < 300; t++)
            {
                batch.Step(x, y);
                if (t % 100 == 99) Thread.Sleep(1); // let the workers block, so waking them is counted too
            }
            fewest = Math.Min(fewest, GC.GetTotalAllocatedBytes(precise: true) - before);
        }
        Assert.Equal(0, fewest);
    }
}
