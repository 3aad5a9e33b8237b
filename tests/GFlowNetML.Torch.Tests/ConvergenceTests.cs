using GFlowNetML.Torch.Training;

namespace GFlowNetML.Torch.Tests;

/// <summary>Each method trains to low exact total variation on D=2, H=8, R0=0.01 with paper-sized networks, seed 0.</summary>
[TestClass]
public sealed class ConvergenceTests
{
    [TestMethod]
    [DataRow(TrainingMethod.PolicyGradientUniform)]
    [DataRow(TrainingMethod.TrajectoryBalance)]
    public void ReachesExactTotalVariationBelow005Within200Iterations(TrainingMethod method)
    {
        using var trainer = new GFlowNetTrainer(TestRuns.Grid(), TestRuns.Paper(method, iterations: 200));
        var result = trainer.Train();

        Assert.IsTrue(result.Completed);
        Assert.AreEqual(200, result.Final.Iteration);
        Assert.AreEqual(200 * 128, result.Final.Trajectories);
        Assert.IsLessThan(0.05, result.Final.ExactTotalVariation, $"{method.ToName()}: TV {result.Final.ExactTotalVariation}");
        Assert.IsLessThan(0.1, Math.Abs(result.Final.LogZ - result.Final.TrueLogZ), "log Z must approach log Z*");
        Assert.AreEqual(4, result.Final.ModesFound, "all four mode cells of the 8×8 grid are sampled");
        // The first evaluation is the untrained policy, far from the target.
        Assert.IsGreaterThan(0.5, result.History[0].ExactTotalVariation);
        Assert.AreEqual(0, result.History[0].Iteration);
    }
}
