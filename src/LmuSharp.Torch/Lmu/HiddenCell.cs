namespace LmuSharp.Torch;

/// <summary>The hidden cell that reads the Legendre memory: o_t, h_t = hidden_cell([vec(M_t); x_t]; h_{t−1}).</summary>
public enum HiddenCell
{
    /// <summary>No hidden cell: the output is the memory vec(M_t) itself.</summary>
    None,
    /// <summary>A feed-forward layer: o_t = activation(W [vec(M_t); x_t] + b) (TorchSharp <c>Linear</c>).</summary>
    Linear,
    /// <summary>A plain RNN cell (TorchSharp <c>RNNCell</c>), tanh or ReLU by <see cref="LmuOptions.HiddenActivation"/>.</summary>
    Rnn,
    /// <summary>An LSTM cell (TorchSharp <c>LSTMCell</c>); its state is (h, c).</summary>
    Lstm,
    /// <summary>A GRU cell (TorchSharp <c>GRUCell</c>).</summary>
    Gru,
}
