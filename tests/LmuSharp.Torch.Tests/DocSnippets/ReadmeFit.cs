using LmuSharp.Torch.Training;

namespace DocSnippets;

// README.md, "Your own series: Fit". Stand-in: rows, a series as rows of standardised features.
static class ReadmeFit
{
    public static (LmuForecaster Model, FitResult Result) Run(List<float[]> rows)
    {
        // snippet: readme-fit
        var windows = new SlidingWindows(Window: 48, Horizon: 12);
        var (train, validation, _) = TimeSplit.Of(rows.Count, validation: 0.15, test: 0.15);
        using var trainSet = windows.Create(rows, train, inputs: [0], targets: [0]);
        using var validationSet = windows.Create(rows, validation, inputs: [0], targets: [0]);

        var model = new LmuForecaster(features: 1, window: 48, horizon: 12, order: 12, hidden: 32);
        var result = model.Fit(trainSet, validationSet, new FitOptions { Epochs = 30, Patience = 5, Schedule = LearningRateSchedule.Cosine });
        Console.WriteLine($"best validation RMSE {result.Progress.Best:F3} at epoch {result.Progress.BestEpoch}");
        model.ToExport(features: 1).Save("forecaster.safetensors");   // runs in LmuSharp.Runtime, without TorchSharp
        // end snippet
        return (model, result);
    }
}
