using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Torch.Tests;

/// <summary>The trainer's exact evaluation on a large grid: the network over every state in chunks, then the DP.</summary>
[TestClass]
public sealed class LargeGridEvaluationTests
{
    [TestMethod]
    public void ExactEvaluationOf32CubedSumsToOneAndIsDeterministic()
    {
        var env = new HyperGrid(3, 32, 0.01);
        double[] Run(out ExactMetrics metrics)
        {
            var options = new GFlowNetTrainerOptions
            {
                Method = TrainingMethod.TrajectoryBalance, Iterations = 3, BatchSize = 8, Seed = 5, EvalEvery = int.MaxValue,
                PolicyHiddenLayers = 1, PolicyHiddenWidth = 16,
            };
            using var trainer = new GFlowNetTrainer(env, options);
            for (int i = 0; i < 3; i++) trainer.TrainOneIteration();
            metrics = trainer.EvaluateExact();
            return trainer.TerminatingDistribution();
        }

        double[] p = Run(out var metrics);
        double[] again = Run(out var metricsAgain);

        Assert.HasCount(32768, p, "every cell of 32³ is terminal");
        Assert.IsGreaterThan(StateSpace.ChunkStates, p.Length, "the network's pass spans several chunks");
        double sum = 0;
        foreach (double v in p) sum += v;
        Assert.AreEqual(1.0, sum, 1e-5, $"P_T over trajectories of up to {env.MaxTrajectoryLength} steps sums to {sum:R}");
        Assert.IsTrue(p.All(v => v >= 0));
        Assert.AreEqual(Math.Log(2807.68), metrics.TrueLogZ, 1e-11);
        Assert.IsTrue(metrics.TotalVariation is > 0 and < 1, $"TV {metrics.TotalVariation}");
        CollectionAssert.AreEqual(p, again, "same seed, same distribution bit for bit");
        Assert.AreEqual(metrics, metricsAgain);
    }
}
