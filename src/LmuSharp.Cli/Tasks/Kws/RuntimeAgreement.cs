using LmuSharp.Runtime;

namespace LmuSharp.Cli.Tasks.Kws;

/// <summary>How the exported model, run frame by frame in the runtime, agrees with the TorchSharp forward on a split.</summary>
/// <param name="Path">"float runtime" or "int8 runtime".</param>
/// <param name="Clips">Clips compared.</param>
/// <param name="SameDecisions">Clips whose argmax class is the same.</param>
/// <param name="Accuracy">The runtime's accuracy.</param>
/// <param name="MaxLogitError">max |runtime logit − forward logit| over all clips and classes.</param>
sealed record RuntimeAgreement(string Path, long Clips, long SameDecisions, double Accuracy, double MaxLogitError)
{
    /// <summary>
    /// Exports <paramref name="model"/> in memory, runs each clip of <paramref name="split"/> through a fresh stream of
    /// the float runtime (or, for an int8 model, the int8 path) and compares the last frame's logits with the model's forward.
    /// </summary>
    public static RuntimeAgreement Measure(KwsModel model, Split split)
    {
        model.eval();
        var file = model.ToExport().ToSafeTensors(model.ExportMetadata());
        Func<(Action<float[], float[]> Step, int Outputs)> create;
        if (model.Quantized)
        {
            var int8 = Int8Model.FromSafeTensors(file);
            create = () => { var s = int8.CreateStream(); return ((x, y) => s.Step(x, y), s.OutputSize); };
        }
        else
        {
            var runtime = LmuModel.FromSafeTensors(file);
            create = () => { var s = runtime.CreateStream(); return ((x, y) => s.Step(x, y), runtime.OutputSize); };
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var mean = model.get_buffer("feature_mean")!.data<float>().ToArray();
        var scale = model.get_buffer("feature_scale")!.data<float>().ToArray();
        long clips = split.Count, frames = split.Inputs.shape[1], bands = split.Inputs.shape[2];
        var inputs = split.Inputs.contiguous().data<float>().ToArray();
        var targets = split.Targets.data<long>().ToArray();
        long same = 0, correct = 0;
        double worst = 0;
        for (long start = 0; start < clips; start += 256)
        {
            long n = Math.Min(256, clips - start);
            var reference = model.forward(split.Inputs.narrow(0, start, n)).data<float>().ToArray();
            int classes = reference.Length / (int)n;
            for (long b = 0; b < n; b++)
            {
                var (step, outputs) = create();
                var x = new float[bands];
                var y = new float[outputs];
                for (long t = 0; t < frames; t++)
                {
                    for (int f = 0; f < bands; f++) x[f] = (inputs[((start + b) * frames + t) * bands + f] - mean[f]) * scale[f];
                    step(x, y);
                }
                var expected = reference.AsSpan((int)(b * classes), classes);
                for (int c = 0; c < classes; c++) worst = Math.Max(worst, Math.Abs(expected[c] - y[c]));
                int decided = ArgMax(y), wanted = ArgMax(expected);
                if (decided == wanted) same++;
                if (decided == targets[start + b]) correct++;
            }
        }
        return new RuntimeAgreement(model.Quantized ? "int8 runtime" : "float runtime", clips, same, (double)correct / clips, worst);
    }

    static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }
}
