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
    [DataRow(nameof(GFlowNetTrainerOptions.BatchSize), "in 1..1048576")]
    [DataRow(nameof(GFlowNetTrainerOptions.EvalEvery), "at least 1")]
    [DataRow(nameof(GFlowNetTrainerOptions.PolicyLearningRate), "greater than 0")]
    [DataRow(nameof(GFlowNetTrainerOptions.LogZLearningRate), "greater than 0")]
    [DataRow(nameof(GFlowNetTrainerOptions.CriticLearningRate), "greater than 0")]
    [DataRow(nameof(GFlowNetTrainerOptions.Lambda), "in [0, 1]")]
    [DataRow(nameof(GFlowNetTrainerOptions.PolicyHiddenWidth), "in 1..65536")]
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
        Assert.AreEqual(TrainingMethod.SubTrajectoryBalance, TrainingMethodNames.Parse("SubTB"));
        Assert.AreEqual("rl-u, rl-b, rl-g, rl-t, tb, db, subtb, fm", TrainingMethodNames.Allowed);
        var e = Assert.ThrowsExactly<ArgumentException>(() => TrainingMethodNames.Parse("ppo"));
        StringAssert.Contains(e.Message, "rl-u, rl-b, rl-g, rl-t, tb, db, subtb, fm");
        Assert.ThrowsExactly<ArgumentException>(() => TrainingMethodNames.Parse("tb-b"), "variant names are not method names");
    }

    [TestMethod]
    public void EveryVariantNameRoundTripsAndUnknownVariantsListTheAllowedOnes()
    {
        Assert.AreEqual("rl-u, rl-b, rl-g, rl-t, rl-t-b, tb, tb-b, db, db-b, subtb, subtb-b, fm", TrainingMethodNames.AllowedVariants);
        foreach (string name in TrainingMethodNames.AllowedVariants.Split(", "))
        {
            var (method, learnBackward) = TrainingMethodNames.ParseVariant(name);
            Assert.AreEqual(name, method.ToVariantName(learnBackward), name);
            Assert.AreEqual(name.EndsWith("-b") || method.AlwaysLearnsBackward(), learnBackward, name);
            Assert.AreEqual((method, learnBackward), TrainingMethodNames.ParseVariant(" " + name.ToUpperInvariant() + " "), "case and spaces are ignored");
            // The options a variant stands for are valid and give the learned P_B the name promises.
            var options = new GFlowNetTrainerOptions { Method = method, LearnBackwardPolicy = learnBackward && !method.AlwaysLearnsBackward() };
            options.Validate();
            Assert.AreEqual(learnBackward, options.UsesLearnedBackward, name);
        }
        foreach (string bad in new[] { "rl-u-b", "fm-b", "rl-b-b", "tb-u", "" })
        {
            var e = Assert.ThrowsExactly<ArgumentException>(() => TrainingMethodNames.ParseVariant(bad), bad);
            StringAssert.Contains(e.Message, TrainingMethodNames.AllowedVariants);
        }
    }

    [TestMethod]
    [DataRow(TrainingMethod.PolicyGradientUniform)]
    [DataRow(TrainingMethod.FlowMatching)]
    public void ALearnedBackwardPolicyIsRefusedWhereTheMethodFixesAUniformOne(TrainingMethod method)
    {
        var o = new GFlowNetTrainerOptions { Method = method, LearnBackwardPolicy = true };
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(o.Validate);
        Assert.AreEqual(nameof(GFlowNetTrainerOptions.LearnBackwardPolicy), e.ParamName);
        StringAssert.Contains(e.Message, nameof(GFlowNetTrainerOptions.LearnBackwardPolicy));
        StringAssert.Contains(e.Message, method.ToName());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GFlowNetTrainer(TestRuns.Grid(4), o));
    }

    [TestMethod]
    [DataRow(TrainingMethod.PolicyGradientBackward)]
    [DataRow(TrainingMethod.PolicyGradientGuided)]
    [DataRow(TrainingMethod.TrustRegion)]
    [DataRow(TrainingMethod.TrajectoryBalance)]
    [DataRow(TrainingMethod.DetailedBalance)]
    [DataRow(TrainingMethod.SubTrajectoryBalance)]
    public void ALearnedBackwardPolicyIsAcceptedWhereTheMethodAllowsOne(TrainingMethod method)
    {
        var o = new GFlowNetTrainerOptions { Method = method, LearnBackwardPolicy = true };
        o.Validate();
        Assert.IsTrue(o.UsesLearnedBackward);
        Assert.AreEqual(method.AlwaysLearnsBackward(), new GFlowNetTrainerOptions { Method = method }.UsesLearnedBackward);
    }

    [TestMethod]
    [DataRow(nameof(GFlowNetTrainerOptions.SubTrajectoryLambda), 0.0, "a number in (0, 1]")]
    [DataRow(nameof(GFlowNetTrainerOptions.SubTrajectoryLambda), 1.5, "a number in (0, 1]")]
    [DataRow(nameof(GFlowNetTrainerOptions.SubTrajectoryLambda), double.NaN, "a number in (0, 1]")]
    [DataRow(nameof(GFlowNetTrainerOptions.TrustRegionDelta), 0.0, "a number greater than 0")]
    [DataRow(nameof(GFlowNetTrainerOptions.TrustRegionDelta), double.NaN, "a number greater than 0")]
    [DataRow(nameof(GFlowNetTrainerOptions.TrustRegionDelta), double.PositiveInfinity, "a number greater than 0")]
    [DataRow(nameof(GFlowNetTrainerOptions.BackwardLambda), -0.1, "a number in [0, 1]")]
    [DataRow(nameof(GFlowNetTrainerOptions.BackwardLambda), 1.1, "a number in [0, 1]")]
    public void InvalidNewRealOptionIsNamedWithItsAllowedValues(string option, double value, string allowed)
    {
        var o = new GFlowNetTrainerOptions();
        typeof(GFlowNetTrainerOptions).GetProperty(option)!.SetValue(o, value);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(o.Validate);
        Assert.AreEqual(option, e.ParamName);
        StringAssert.Contains(e.Message, $"{option} must be {allowed}");
    }

    [TestMethod]
    [DataRow(nameof(GFlowNetTrainerOptions.ConjugateGradientIterations))]
    [DataRow(nameof(GFlowNetTrainerOptions.LineSearchSteps))]
    public void InvalidTrustRegionCountIsNamedWithItsAllowedValues(string option)
    {
        var o = new GFlowNetTrainerOptions { Method = TrainingMethod.TrustRegion };
        typeof(GFlowNetTrainerOptions).GetProperty(option)!.SetValue(o, 0);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(o.Validate);
        Assert.AreEqual(option, e.ParamName);
        StringAssert.Contains(e.Message, $"{option} must be an integer in 1..{(option == nameof(GFlowNetTrainerOptions.LineSearchSteps) ? 100 : 1000)}; got '0'");
    }

    [TestMethod]
    [DataRow(TrainingMethod.PolicyGradientBackward)]
    [DataRow(TrainingMethod.PolicyGradientGuided)]
    [DataRow(TrainingMethod.TrustRegion)]
    public void EveryPolicyGradientMethodRefusesExplorationNoise(TrainingMethod method)
    {
        var o = new GFlowNetTrainerOptions { Method = method, EpsilonStart = 0.1 };
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(o.Validate);
        Assert.AreEqual(nameof(GFlowNetTrainerOptions.EpsilonStart), e.ParamName);
        StringAssert.Contains(e.Message, "on-policy");
        StringAssert.Contains(e.Message, method.ToName());
        foreach (var valueBased in new[] { TrainingMethod.DetailedBalance, TrainingMethod.SubTrajectoryBalance, TrainingMethod.FlowMatching })
            new GFlowNetTrainerOptions { Method = valueBased, EpsilonStart = 0.1 }.Validate();
    }

    [TestMethod]
    public void NewOptionDefaultsAreThePapers()
    {
        var o = new GFlowNetTrainerOptions();
        Assert.IsFalse(o.LearnBackwardPolicy);
        Assert.AreEqual(1.0, o.BackwardLambda);
        Assert.AreEqual(0.9, o.SubTrajectoryLambda);
        Assert.AreEqual(0.01, o.TrustRegionDelta);
        Assert.AreEqual(10, o.ConjugateGradientIterations);
        Assert.AreEqual(20, o.LineSearchSteps);
        Assert.IsFalse(o.UsesLearnedBackward);
    }
}
