namespace LmuSharp.Spiking;

/// <summary>How the neurons of a <see cref="SpikingLegendreMemory"/> turn their input current into spikes.</summary>
public enum SpikingNeuron
{
    /// <summary>
    /// The LIF rate curve with Poisson spike times: each step, neuron i emits a Poisson(r_i(J)·dt) number of
    /// spikes, with r_i the steady-state firing rate of a leaky integrate-and-fire neuron at current J
    /// (the 2019 paper's spiking experiment). Spikes are independent across steps and neurons.
    /// </summary>
    PoissonLif,

    /// <summary>
    /// Plain leaky integrate-and-fire: the membrane voltage integrates the current (τ_rc), a spike is emitted
    /// when it crosses 1, then the voltage is held at 0 for τ_ref. Deterministic given the initial voltages.
    /// </summary>
    Lif,

    /// <summary>
    /// No spikes: each step neuron i contributes its LIF rate r_i(J)·dt times its decoder, the mean of what
    /// <see cref="PoissonLif"/> emits (Nengo's LIFRate). The network is deterministic and its only departure from
    /// the exact memory is the static decoding error, so it separates that error from the spike noise.
    /// </summary>
    LifRate,
}
