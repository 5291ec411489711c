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
}
