using GFlowNetML.Sampling;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Objectives;
using GFlowNetML.Torch.Training;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Tests;

[TestClass]
public sealed class TrustRegionTests
{
    [TestMethod]
    public void RepeatedStepsRun()
    {
        var env = TestRuns.Grid(4);
        var options = TestRuns.Small(TrainingMethod.TrustRegion, 3);
        using var trainer = new GFlowNetTrainer(env, options);
        trainer.Train();
    }
}
