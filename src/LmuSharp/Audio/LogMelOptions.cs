namespace LmuSharp.Audio;

/// <summary>
/// The log-mel frontend's settings. Defaults follow the keyword-spotting literature (Zhang et al. 2017,
/// "Hello Edge"; TensorFlow's speech_commands): 16 kHz audio, a 30 ms Hann window every 20 ms (49 frames per 1 s clip),
/// a 512-point FFT, 40 triangular mel bands from 20 Hz to 7,600 Hz, then ln(energy + floor).
/// </summary>
/// <param name="SampleRate">Samples per second.</param>
/// <param name="WindowLength">Samples per analysis window.</param>
/// <param name="Hop">Samples between window starts.</param>
/// <param name="FftSize">FFT length (a power of two ≥ <paramref name="WindowLength"/>).</param>
/// <param name="Bands">Mel bands (features per frame).</param>
/// <param name="LowHz">Lowest band edge.</param>
/// <param name="HighHz">Highest band edge (≤ half the sample rate).</param>
/// <param name="Floor">Added to each band energy before the logarithm.</param>
public sealed record LogMelOptions(int SampleRate = 16_000, int WindowLength = 480, int Hop = 320, int FftSize = 512,
    int Bands = 40, double LowHz = 20, double HighHz = 7_600, float Floor = 1e-6f)
{
    /// <summary>The frames a clip of <paramref name="samples"/> samples gives: 1 + ⌊(samples − window) / hop⌋, or 0.</summary>
    /// <param name="samples">The clip length in samples.</param>
    public int FrameCount(int samples) => samples < WindowLength ? 0 : 1 + (samples - WindowLength) / Hop;

    /// <summary>Throws a clear error for inconsistent settings.</summary>
    public LogMelOptions Validate()
    {
        Require(SampleRate > 0, nameof(SampleRate), "must be > 0");
        Require(WindowLength > 0 && Hop > 0 && Hop <= WindowLength, nameof(Hop), $"must lie in [1, window = {WindowLength}]");
        Require(FftSize >= WindowLength && (FftSize & (FftSize - 1)) == 0, nameof(FftSize), $"must be a power of two ≥ the window ({WindowLength})");
        Require(Bands > 0, nameof(Bands), "must be > 0");
        Require(LowHz >= 0 && LowHz < HighHz && HighHz <= SampleRate / 2.0, nameof(HighHz), $"need 0 ≤ low < high ≤ {SampleRate / 2} Hz");
        Require(Floor > 0, nameof(Floor), "must be > 0");
        return this;
    }

    static void Require(bool condition, string name, string message)
    {
        if (!condition) throw new ArgumentException($"log-mel option {name} {message}.", name);
    }
}
