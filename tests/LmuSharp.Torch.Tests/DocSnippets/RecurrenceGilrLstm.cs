using LmuSharp.Torch.Recurrence;

namespace DocSnippets;

// docs/RECURRENCE.md, `GilrLstm`. Stand-in: x [batch, time, 128].
static class RecurrenceGilrLstm
{
    public static (TorchSharp.torch.Tensor Output, TorchSharp.torch.Tensor H) Run(TorchSharp.torch.Tensor x)
    {
        // snippet: recurrence-gilr-lstm
        var layer = new GilrLstm(inputSize: 128, hiddenSize: 64);
        var (output, state) = layer.call(x, null);   // state: GilrLstmState(Gilr: h̃_T, Cell: c_T)
        var (h, next) = layer.step(x.select(1, 0), state);
        // end snippet
        return (output, h);
    }
}
