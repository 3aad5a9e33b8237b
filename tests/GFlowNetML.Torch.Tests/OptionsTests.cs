using GFlowNetML.Torch.Training;

namespace GFlowNetML.Torch.Tests;

[TestClass]
public sealed class OptionsTests
{
    [TestMethod]
    public void DefaultsAreThePapersHyperGridSettings()
    {
        var o = new GFlowNetTrainerOptions();
        Assert.AreEqual(TrainingMethod.PolicyGradientUniform, o.Method);
        Assert.AreEqual(128, o.BatchSize);
        Assert.AreEqual(1e-3, o.PolicyLearningRate);
        Assert.AreEqual(0.1, o.LogZLearningRate);
        Assert.AreEqual(5e-3, o.CriticLearningRate);
        Assert.AreEqual(0.99, o.Lambda);
        Assert.AreEqual((4, 256, 2, 256), (o.PolicyHiddenLayers, o.PolicyHiddenWidth, o.CriticHiddenLayers, o.CriticHiddenWidth));
        Assert.AreEqual(-12, o.LogRewardClamp);
        o.Validate();
    }

    [TestMethod]
    [DataRow(nameof(GFlowNetTrainerOptions.Iterations), "at least 1")]
    [DataRow(nameof(GFlowNetTrainerOptions.BatchSize), "at least 1")]
    [DataRow(nameof(GFlowNetTrainerOptions.EvalEvery), "at least 1")]
    [DataRow(nameof(GFlowNetTrainerOptions.PolicyLearningRate), "greater than 0")]
    [DataRow(nameof(GFlowNetTrainerOptions.LogZLearningRate), "greater than 0")]
    [DataRow(nameof(GFlowNetTrainerOptions.CriticLearningRate), "greater than 0")]
    [DataRow(nameof(GFlowNetTrainerOptions.Lambda), "in [0, 1]")]
    [DataRow(nameof(GFlowNetTrainerOptions.PolicyHiddenWidth), "at least 1")]
    [DataRow(nameof(GFlowNetTrainerOptions.EpsilonDecay), "in [0, 1]")]
    [DataRow(nameof(GFlowNetTrainerOptions.CheckpointEvery), "at least 0")]
    public void InvalidOptionIsNamedWithItsAllowedValues(string option, string allowed)
    {
        var o = new GFlowNetTrainerOptions();
        var property = typeof(GFlowNetTrainerOptions).GetProperty(option)!;
        property.SetValue(o, property.PropertyType == typeof(int) ? -1 : (object)(option == nameof(GFlowNetTrainerOptions.Lambda) || option == nameof(GFlowNetTrainerOptions.EpsilonDecay) ? 1.5 : -0.5));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(o.Validate);
        Assert.AreEqual(option, e.ParamName);
        StringAssert.Contains(e.Message, allowed);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GFlowNetTrainer(TestRuns.Grid(4), o));
    }

    [TestMethod]
    public void PolicyGradientRefusesExplorationNoise()
    {
        var o = new GFlowNetTrainerOptions { Method = TrainingMethod.PolicyGradientUniform, EpsilonStart = 0.1 };
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(o.Validate);
        StringAssert.Contains(e.Message, "on-policy");
        new GFlowNetTrainerOptions { Method = TrainingMethod.TrajectoryBalance, EpsilonStart = 0.1 }.Validate();
    }

    [TestMethod]
    public void CheckpointingNeedsAFolder()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(new GFlowNetTrainerOptions { CheckpointEvery = 5 }.Validate);
        Assert.AreEqual(nameof(GFlowNetTrainerOptions.CheckpointDirectory), e.ParamName);
    }

    [TestMethod]
    public void MethodNamesRoundTripAndUnknownNamesListTheAllowedOnes()
    {
        foreach (var m in Enum.GetValues<TrainingMethod>()) Assert.AreEqual(m, TrainingMethodNames.Parse(m.ToName()));
        Assert.AreEqual(TrainingMethod.TrajectoryBalance, TrainingMethodNames.Parse(" TB "));
        var e = Assert.ThrowsExactly<ArgumentException>(() => TrainingMethodNames.Parse("db"));
        StringAssert.Contains(e.Message, "rl-u, tb");
    }
}
