namespace LmuSharp.Runtime;

/// <summary>Dense layer: y = activation(W x + b).</summary>
internal sealed class DenseLayer : Layer
{
    readonly Linear _linear;
    readonly Activation _activation;

    public DenseLayer(WeightReader r)
    {
        int inputs = r.Int("input_size"), outputs = r.Int("output_size");
        _linear = new Linear(r.Tensor("weight", outputs, inputs), r.Tensor("bias", outputs), outputs, inputs);
        _activation = r.Activation("activation");
    }

    public override int InputSize => _linear.InputSize;
    public override int OutputSize => _linear.OutputSize;
    public override int[] StateSizes => [];
    public override int[] ScratchSizes => [_linear.ScratchSize];
    public override string ToString() => $"dense {InputSize}→{OutputSize} {_activation.ToName()}";

    public override void Step(ReadOnlySpan<float> x, Span<float> y, float[][] state, float[][] scratch, int batch)
    {
        _linear.Apply(x, batch, y, scratch[0]);
        _activation.Apply(y, batch, OutputSize);
    }
}
