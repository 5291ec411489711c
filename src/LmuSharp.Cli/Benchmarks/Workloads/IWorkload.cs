namespace LmuSharp.Cli.Benchmarks.Workloads;

/// <summary>
/// One thing to time, shared by both benchmark harnesses: constructing it builds the model and the inputs (untimed),
/// <see cref="Step"/> is the timed action. `lmu bench` times it with its Stopwatch harness and renders tables; the
/// BenchmarkDotNet classes in bench/ construct it in [GlobalSetup] and call <see cref="Step"/> from [Benchmark].
/// </summary>
public interface IWorkload : IDisposable
{
    /// <summary>Untimed work before each <see cref="Step"/> (e.g. the graph a backward pass consumes); none by default.</summary>
    void Prepare() { }

    /// <summary>The timed action.</summary>
    void Step();

    /// <summary>Untimed work after each <see cref="Step"/>: frees what <see cref="Prepare"/> and <see cref="Step"/> made; none by default.</summary>
    void Release() { }
}
