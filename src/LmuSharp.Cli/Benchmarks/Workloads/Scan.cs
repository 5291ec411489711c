using LmuSharp.Torch.Recurrence;

namespace LmuSharp.Cli.Benchmarks.Workloads;

/// <summary>What a <see cref="Scan"/> workload times.</summary>
public enum ScanPath
{
    /// <summary><c>x.clone()</c>: the bandwidth reference (reads x, writes the copy: 8 bytes an element).</summary>
    Copy,
    /// <summary><see cref="LinearRecurrence.apply(Tensor, Tensor, Tensor?, bool)"/> without autograd (reads a and x, writes h: 12 bytes).</summary>
    Forward,
    /// <summary>The backward pass alone, h.backward(∂L/∂h), its graph built untimed (reads ∂L/∂h, a, h; writes ∂L/∂x, ∂L/∂a: 20 bytes).</summary>
    Backward,
    /// <summary>The same recurrence as one set of TorchSharp operations per time step, the naive way (12 bytes).</summary>
    PerStepOps,
}

/// <summary>
/// The linear recurrence h_t = a_t ⊙ h_{t−1} + x_t, float32, a of full [batch, time, channels] shape, no h0, along one
/// <see cref="ScanPath"/>. Every path allocates its output, as the copy does.
/// </summary>
public sealed class Scan : IWorkload
{
    readonly ScanPath _path;
    readonly Tensor _x, _a;
    readonly Tensor? _gradH;
    Tensor? _xLeaf, _aLeaf, _h;

    /// <summary>Random x ~ N(0, 1) and a ~ U(0, 1) of shape [batch, time, channels] (and ∂L/∂h for the backward path).</summary>
    public Scan(ScanPath path, int batch, int time, int channels)
    {
        _path = path;
        _x = randn(batch, time, channels);
        _a = rand(batch, time, channels);
        if (path == ScanPath.Backward) _gradH = randn(batch, time, channels);
    }

    /// <summary>Elements of x.</summary>
    public long Elements => _x.numel();

    /// <summary>Bytes the path reads plus writes per element of x.</summary>
    public int BytesPerElement => BytesOf(_path);

    /// <summary>Bytes <paramref name="path"/> reads plus writes per element of x.</summary>
    public static int BytesOf(ScanPath path) => path switch { ScanPath.Copy => 8, ScanPath.Backward => 20, _ => 12 };

    /// <summary>For the backward path: fresh leaves and the forward graph, untimed.</summary>
    public void Prepare()
    {
        if (_path != ScanPath.Backward) return;
        _xLeaf = _x.detach().requires_grad_();
        _aLeaf = _a.detach().requires_grad_();
        _h = LinearRecurrence.apply(_xLeaf, _aLeaf);
    }

    /// <summary>
    /// Runs the path. The backward runs inside a dispose scope, as a training step runs it: outside one, the handles
    /// TorchSharp wraps around a custom autograd function's gradients live until the GC finalises them, and every run
    /// page-faults fresh memory.
    /// </summary>
    public void Step()
    {
        using var scope = NewDisposeScope();
        using var noGrad = _path == ScanPath.Backward ? null : no_grad();
        switch (_path)
        {
            case ScanPath.Copy: _x.clone(); break;
            case ScanPath.Forward: LinearRecurrence.apply(_x, _a); break;
            case ScanPath.Backward: _h!.backward([_gradH!]); break;
            default: PerStepOps(); break;
        }
    }

    /// <summary>For the backward path: frees the gradients, the graph and the leaves.</summary>
    public void Release()
    {
        foreach (var t in new[] { _xLeaf?.grad, _aLeaf?.grad, _h, _xLeaf, _aLeaf }) t?.Dispose();
        (_xLeaf, _aLeaf, _h) = (null, null, null);
    }

    void PerStepOps()
    {
        var h = zeros_like(_x);
        var state = zeros(_x.size(0), _x.size(2));
        for (long t = 0; t < _x.size(1); t++)
        {
            state = _a.select(1, t) * state + _x.select(1, t);
            h.select(1, t).copy_(state);
        }
    }

    /// <summary>Frees the inputs (and anything a backward left).</summary>
    public void Dispose()
    {
        Release();
        _x.Dispose();
        _a.Dispose();
        _gradH?.Dispose();
    }
}
