using LmuSharp.Memory;

namespace DocSnippets;

// README.md, "The memory in ten lines". The usings above are exactly the block's: namespace DocSnippets lies outside
// LmuSharp, so nothing else of the library is in scope. Stand-in: stream, any sequence of samples.
static class ReadmeMemory
{
    public static void Run(IEnumerable<double> stream)
    {
        // snippet: readme-memory
        var memory = new LegendreMemory(order: 100, theta: 10_000);   // a window of 10,000 steps
        foreach (var sample in stream)
        {
            memory.Step(sample);                     // m ← Ā m + B̄ u: O(d²) per step, O(d) memory
            double then = memory.Read(delay: 5_000); // the input as it was 5,000 steps ago
        }
        // end snippet
    }
}
