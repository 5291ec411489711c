namespace LmuSharp.Torch.Training;

/// <summary>How the learning rate follows the epochs.</summary>
public enum LearningRateSchedule
{
    /// <summary>The peak rate throughout.</summary>
    Constant,
    /// <summary>
    /// Cosine annealing per epoch from the peak η to 1% of it: η_e = η (0.01 + 0.99 · ½ (1 + cos(π e / E)))
    /// for epoch e = 0 … E − 1.
    /// </summary>
    Cosine,
}

/// <summary>The learning rate of an epoch under a <see cref="LearningRateSchedule"/>.</summary>
public static class LearningRateSchedules
{
    /// <summary>The rate for epoch <paramref name="epoch"/> (0-based) of <paramref name="epochs"/>, with peak <paramref name="peak"/>.</summary>
    public static double At(this LearningRateSchedule schedule, double peak, int epoch, int epochs) => schedule switch
    {
        LearningRateSchedule.Cosine => peak * (0.01 + 0.99 * 0.5 * (1 + Math.Cos(Math.PI * epoch / epochs))),
        _ => peak,
    };
}
