using LmuSharp;
using LmuSharp.Torch;
using static TorchSharp.torch;

namespace DocSnippets;

// docs/MODULES.md, the first block. Stand-ins: pixels [batch, 784, 1]; stream, a sequence of steps [batch, 1].
static class ModulesLayers
{
    public record Built(Lmu Lmu, nn.Module Dropout, nn.Module Classifier, Tensor Logits, Lmu Lmu2019, nn.Module Classifier2019,
        Lmu NoFeedback, Lmu Chunked, LmuState? State);

    public static Built Run(Tensor pixels, IEnumerable<Tensor> stream)
    {
        // snippet: modules-layers
        // psMNIST, the parallel LMU (Chilkuri & Eliasmith 2021) as `lmu train psmnist` builds it: u = W_u x + b_u,
        // order 468, θ = 784, hidden Linear(m → 346) + ReLU on the last memory state, dropout, Linear(346 → 10)
        var lmu = new Lmu(new LmuOptions(inputSize: 1, order: 468, theta: 784)
        {
            UseBias = true, Hidden = HiddenCell.Linear, HiddenSize = 346, HiddenActivation = Activation.Relu,
        });                                                    // lmu.Mode: LmuMode.Final, one 784 × 468 product per sample
        var dropout = nn.Dropout(0.4);                         // `--dropout 0.4`; none by default
        var classifier = nn.Linear(346, 10);
        var (h, _) = lmu.forward(pixels /* [batch, 784, 1] */, null);
        var logits = classifier.forward(dropout.forward(h));  // 165,746 parameters in all

        // psMNIST, the 2019 LMU (Voelker et al.): order 256, θ = 784, tanh RNN cell of 212 over [m; x], and the memory
        // input u_t = e_x x_t + e_h·h_{t−1} + e_m·m_{t−1} with learnt encoders (the authors' LMUCell)
        var lmu2019 = new Lmu(new LmuOptions(1, 256, 784)
        {
            Hidden = HiddenCell.Rnn, HiddenSize = 212, HiddenActivation = Activation.Tanh, InputToHidden = true,
            HiddenToMemory = true, MemoryToMemory = true,
        });                                                    // feedback: lmu2019.Mode is LmuMode.Sequential
        var classifier2019 = nn.Linear(212, 10);               // 102,451 parameters with the LMU
        // the paper's initialisation (what `lmu train psmnist --model lmu` sets): under no_grad, fill
        // cell.input_encoder.weight with 1, zero cell.hidden_encoder.weight, cell.memory_encoder.weight,
        // cell.hidden.weight_hh, the biases and the x column of cell.hidden.weight_ih, W_m Glorot-normal.

        // Without the two feedback flags (`--model lmu-no-feedback`) the memory is computed for all steps at once
        var noFeedback = new Lmu(lmu2019.Options with { HiddenToMemory = false, MemoryToMemory = false });
        // noFeedback.Mode is LmuMode.Fft: the RNN reads the memory through an FFT and runs on the fused kernel;
        // 101,983 parameters with a 212 → 10 classifier

        // a mode and its settings can be chosen (a mode that cannot compute the options is refused)
        var chunked = new Lmu(new LmuOptions(1, 64, 100) { ReturnSequences = true },
            new LmuComputation(LmuMode.Chunked) { ChunkLength = 32 });

        // streaming with the trained weights, one step at a time
        LmuState? state = null;
        foreach (var xt in stream) (var yt, state) = lmu.step(xt /* [batch, 1] */, state);
        // end snippet
        return new(lmu, dropout, classifier, logits, lmu2019, classifier2019, noFeedback, chunked, state);
    }
}
