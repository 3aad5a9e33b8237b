using GFlowNetML.Torch.Training;

namespace GFlowNetML.Torch.Tests;

/// <summary><see cref="GFlowNetTrainer.Train"/> stops a diverging run with <see cref="TrainingDivergedException"/>: the
/// iteration, what blew up, the option to lower and the evaluations so far, before any diverged state is checkpointed.</summary>
[TestClass]
public sealed class DivergenceTests
{
    [TestMethod]
    [DataRow(TrainingMethod.TrajectoryBalance, nameof(GFlowNetTrainerOptions.PolicyLearningRate), "the forward policy network's weights grew to 1E+30")]
    [DataRow(TrainingMethod.TrajectoryBalance, nameof(GFlowNetTrainerOptions.LogZLearningRate), "log Z became 1E+30")]
    [DataRow(TrainingMethod.PolicyGradientUniform, nameof(GFlowNetTrainerOptions.CriticLearningRate), "the critic network's weights grew to 1E+30")]
    public void AHugeRateStopsAtTheFirstIterationNamingTheOption(TrainingMethod method, string option, string quantity)
    {
        string dir = TestRuns.TempDirectory();
        try
        {
            var options = TestRuns.Small(method, 20);
            typeof(GFlowNetTrainerOptions).GetProperty(option)!.SetValue(options, 1e30);
            options.CheckpointEvery = 1;
            options.CheckpointDirectory = dir;
            using var trainer = new GFlowNetTrainer(TestRuns.Grid(6), options);

            var e = Assert.ThrowsExactly<TrainingDivergedException>(() => trainer.Train());

            Assert.AreEqual(1, e.Iteration);
            Assert.AreEqual(option, e.Option);
            Assert.AreEqual(1e30, e.OptionValue);
            Assert.AreEqual(quantity, e.Quantity);
            Assert.AreEqual($"Training diverged at iteration 1: {quantity}. Lower {option} (now 1E+30).", e.Message);
            Assert.IsFalse(e.Result.Completed);
            Assert.HasCount(1, e.Result.History, "the evaluation at iteration 0");
            Assert.AreEqual(0, e.Result.Final.Iteration);
            Assert.IsFalse(File.Exists(Checkpoints.TrainingCheckpoint.PathIn(dir)), "the diverged iteration 1 is never checkpointed");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
