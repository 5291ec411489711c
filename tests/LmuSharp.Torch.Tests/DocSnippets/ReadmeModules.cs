using LmuSharp;
using LmuSharp.Runtime;
using LmuSharp.Torch;
using LmuSharp.Torch.Export;
using static TorchSharp.torch;

namespace DocSnippets;

// README.md, "Modules: train in parallel, run as a recurrence". Stand-ins: pixels [batch, 784, 1], one pixel and a
// span for the ten logits; the file is written to the current directory (the test runs it in a temporary one).
static class ReadmeModules
{
    public static (Lmu Lmu, Tensor Logits, LmuStream Stream) Run(Tensor pixels, ReadOnlySpan<float> pixel, Span<float> logitsSpan)
    {
        // snippet: readme-modules
        // The 2021 parallel LMU for psMNIST: one 784 × 468 matrix product per sample in training.
        var lmu = new Lmu(new LmuOptions(inputSize: 1, order: 468, theta: 784)
            { UseBias = true, Hidden = HiddenCell.Linear, HiddenSize = 346, HiddenActivation = Activation.Relu });
        var classifier = nn.Linear(346, 10);
        var (h, _) = lmu.forward(pixels /* [batch, 784, 1] */, null);   // lmu.Mode is LmuMode.Final here
        var logits = classifier.forward(h);

        // Deployment: the same weights, one step at a time, with no TorchSharp at all.
        new ModelExport(inputSize: 1).Add(lmu).AddDense(classifier).Save("psmnist.safetensors");
        var stream = LmuModel.Load("psmnist.safetensors").CreateStream();
        stream.Step(pixel, logitsSpan);   // no allocation per step; SaveState/LoadState move a stream between processes
        // end snippet
        return (lmu, logits, stream);
    }
}
