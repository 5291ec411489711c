namespace LmuSharp.Cli.Forecasting;

/// <summary>
/// The reference forecasts and error measures every series run reports on the same test windows (raw units):
/// naive (the window's last value for every step ahead), seasonal naive with season m (the value one season
/// before each step: ŷ_{t+h} = y_{t+h−m⌈h/m⌉}), RMSE, and MASE = MAE / the in-sample MAE of the season-m naive
/// forecast on the training rows (Hyndman &amp; Koehler 2006; m = 1 without a season).
/// </summary>
static class Baselines
{
    /// <summary>Naive forecasts [N, H] from the target's window values [N, W].</summary>
    public static float[][] Naive(float[][] windows, int horizon) =>
        windows.Select(w => Enumerable.Repeat(w[^1], horizon).ToArray()).ToArray();

    /// <summary>Seasonal-naive forecasts [N, H] from the target's window values [N, W]; needs m ≤ W.</summary>
    public static float[][] SeasonalNaive(float[][] windows, int horizon, int season) =>
        windows.Select(w => Enumerable.Range(1, horizon).Select(h => w[w.Length - 1 + h - season * (int)Math.Ceiling(h / (double)season)]).ToArray()).ToArray();

    /// <summary>√(mean squared error) over all windows and steps.</summary>
    public static double Rmse(float[][] forecast, float[][] truth) =>
        Math.Sqrt(Pairs(forecast, truth).Average(p => (p.F - p.T) * (p.F - p.T)));

    /// <summary>Mean absolute error over all windows and steps, divided by <paramref name="scale"/>.</summary>
    public static double Mase(float[][] forecast, float[][] truth, double scale) =>
        Pairs(forecast, truth).Average(p => Math.Abs(p.F - p.T)) / scale;

    /// <summary>The MASE scale: mean |y_t − y_{t−m}| over the training values.</summary>
    public static double MaseScale(IReadOnlyList<float> train, int season) =>
        Enumerable.Range(season, train.Count - season).Average(t => Math.Abs((double)train[t] - train[t - season]));

    /// <summary>
    /// The season m: the lag in [2, <paramref name="maxLag"/>] where the training values' autocorrelation peaks,
    /// if that peak is above 0.3 and a local maximum; else 1 (no season).
    /// </summary>
    public static int DetectSeason(IReadOnlyList<float> train, int maxLag)
    {
        double mean = train.Average(v => (double)v);
        double variance = train.Sum(v => (v - mean) * (v - mean));
        double Acf(int lag) => Enumerable.Range(lag, train.Count - lag).Sum(t => (train[t] - mean) * (train[t - lag] - mean)) / variance;
        maxLag = Math.Min(maxLag, train.Count / 2);
        int best = 1;
        double bestValue = 0.3;
        for (int lag = 2; lag <= maxLag; lag++)
        {
            double value = Acf(lag);
            if (value > bestValue && value > Acf(lag - 1) && (lag == maxLag || value >= Acf(lag + 1))) (best, bestValue) = (lag, value);
        }
        return best;
    }

    static IEnumerable<(double F, double T)> Pairs(float[][] forecast, float[][] truth) =>
        forecast.Zip(truth).SelectMany(p => p.First.Zip(p.Second, (f, t) => ((double)f, (double)t)));
}
