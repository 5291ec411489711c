using LmuSharp.Cli.Tasks;
using LmuSharp.Cli.Training;
using LmuSharp.Torch.Training;

namespace LmuSharp.Cli.Tests;

/// <summary>Which training path the trainer takes for each psMNIST model.</summary>
public class PsMnistModelTests
{
    [Fact]
    public void The_parallel_lmu_trains_on_direct_gradients_and_the_2019_models_through_autograd()
    {
        var task = new PsMnistTask();
        using var parallel = task.Build(task.Defaults("lmu-parallel"));
        Assert.True(((IPrecomputableInput)parallel).CanPrecompute);
        using (var gradients = Trainer.BatchGradients(parallel, precomputed: true, Metric.Accuracy))
            Assert.IsType<LmuClassifierGradients>(gradients);
        Assert.Null(Trainer.BatchGradients(parallel, precomputed: true, Metric.Rmse)); // a loss it does not compute
        Assert.Null(Trainer.BatchGradients(parallel, precomputed: false, Metric.Accuracy));

        using var recurrent = task.Build(task.Defaults("lmu-no-feedback"));
        Assert.False(((IPrecomputableInput)recurrent).CanPrecompute); // the trainer steps it through autograd
    }
}
