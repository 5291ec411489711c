using LmuSharp.Torch.Recurrence;

namespace DocSnippets;

// docs/RECURRENCE.md, `Gilr`. Stand-in: x [batch, time, 128].
static class RecurrenceGilr
{
    public static (TorchSharp.torch.Tensor Output, TorchSharp.torch.Tensor H1) Run(TorchSharp.torch.Tensor x)
    {
        // snippet: recurrence-gilr
        var gilr = new Gilr(inputSize: 128, hiddenSize: 64);            // or new Gilr(new GilrOptions(128, 64))
        var (output, state) = gilr.call(x, null);                        // x [batch, time, 128] → [batch, time, 64], [batch, 64]
        var (h1, s1) = gilr.step(x.select(1, 0), null);                  // one step: [batch, 128] → [batch, 64]
        // end snippet
        return (output, h1);
    }
}
