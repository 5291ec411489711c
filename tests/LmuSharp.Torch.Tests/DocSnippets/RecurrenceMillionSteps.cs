using LmuSharp.Torch.Recurrence;
using static TorchSharp.torch;

namespace DocSnippets;

// docs/RECURRENCE.md, "A million steps". Stand-ins: tokens [batch, time] (int64, values 0..127), embedding [128, 64].
static class RecurrenceMillionSteps
{
    public static (Tensor Last, GilrLstm Layer) Run(Tensor tokens, Tensor embedding)
    {
        // snippet: recurrence-million-steps
        var layer = new GilrLstm(inputSize: 64, hiddenSize: 64);
        Tensor[] Chunk(Tensor piece, Tensor[] s)
        {
            // 128 distinct inputs: project them once, then each step gathers its row.
            var rows = layer.project(embedding).index_select(0, piece.flatten());
            var (h, state) = layer.forward_projected(rows.view(piece.shape[0], piece.shape[1], -1), new GilrLstmState(s[0], s[1]));
            return [state.Gilr.clone(), state.Cell.clone(), h.select(1, -1).clone()];
        }
        Tensor[] zero = [zeros(tokens.shape[0], 64), zeros(tokens.shape[0], 64), zeros(tokens.shape[0], 64)];
        var final = TimeCheckpoint.apply(Chunk, tokens, zero, [.. layer.parameters(), embedding], chunkLength: 2048);
        var last = final[2];   // h_T, differentiable in the layer's parameters and the embedding
        // end snippet
        return (last, layer);
    }
}
