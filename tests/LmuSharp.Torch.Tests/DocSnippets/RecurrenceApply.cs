using LmuSharp.Torch.Recurrence;
using static TorchSharp.torch;

namespace DocSnippets;

// docs/RECURRENCE.md, "The operation". Stand-ins: x [batch, time, channels] and a.
static class RecurrenceApply
{
    public static TorchSharp.torch.Tensor Run(TorchSharp.torch.Tensor x, TorchSharp.torch.Tensor a)
    {
        // snippet: recurrence-apply
        Tensor h = LinearRecurrence.apply(x, a, h0: null, reverse: false);
        // end snippet
        return h;
    }
}
