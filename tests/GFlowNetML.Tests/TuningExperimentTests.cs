using GFlowNetML.Trainers;
using GFlowNetML.Tuning;
using Microsoft.ML;

namespace GFlowNetML.Tests;

/// <summary>The tuning experiment on the 2 × 4 hyper-grid with tiny trainings: trial and time budgets, a failing trial,
/// the lowest metric wins, and a real search does no worse than the default point.</summary>
[TestClass]
[DoNotParallelize]
public sealed class TuningExperimentTests
{
    private static TrajectoryBalanceOptions Tiny(int iterations = 10) => new()
    {
        Task = GFlowNetTask.HyperGrid(2, 4), Iterations = iterations, BatchSize = 16, HiddenLayers = 1, HiddenWidth = 32, EvalEvery = 10,
    };

    /// <summary>Only the learning rates are tuned, so trials stay tiny.</summary>
    private static SearchSpace LearningRates(GFlowNetSamplerOptions options)
        => new MLContext(0).GFlowNet().Tuning.CreateSearchSpace(options, "Iterations", "BatchSize", "HiddenLayers", "HiddenWidth", "Epsilon");

    [TestMethod]
    public void TheTrialBudgetStopsTheExperimentAndTheLowestMetricWins()
    {
        var ml = new MLContext(1);
        var options = Tiny();
        double[] metrics = [3.0, 1.0, 2.0];
        int calls = 0;
        var seen = new List<int>();
        var result = ml.GFlowNet().Tuning.CreateExperiment(options)
            .SetSearchSpace(LearningRates(options))
            .SetRandomSearchTuner()
            .SetObjective("scripted", _ => metrics[calls++])
            .SetMaxTrials(3)
            .SetSeed(4)
            .Run(new Progress(t => seen.Add(t.TrialId)));
        Assert.HasCount(3, result.Trials);
        Assert.AreEqual("trial budget", result.StopReason);
        Assert.AreEqual("scripted", result.Objective);
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, seen);
        CollectionAssert.AreEqual(new[] { 1, 2, 0 }, result.Leaderboard.Select(t => t.TrialId).ToArray());
        Assert.AreEqual(1, result.BestTrial!.TrialId);
        Assert.AreEqual(1.0, result.BestTrial.Metric);
        Assert.IsNotNull(result.BestModel);
        Assert.AreEqual(result.BestTrial.Seed, result.BestModel.Seed, "the best model is the best trial's");
        foreach (var trial in result.Trials)
        {
            Assert.AreEqual(TrialStatus.Succeeded, trial.Status);
            Assert.IsNull(trial.Error);
            Assert.AreEqual(options.Iterations, trial.Options!.Iterations);
            Assert.AreEqual(trial.Values["LearningRate"], trial.Options.LearningRate);
            Assert.AreEqual(trial.Values["LogZLearningRate"], trial.Options.LogZLearningRate);
            Assert.AreEqual(result.Trials[0].Seed, trial.Seed, "every trial trains with the same seed");
            Assert.IsGreaterThan(0.0, trial.Seconds);
        }
        Assert.AreNotEqual(result.Trials[0].Options!.LearningRate, result.Trials[1].Options!.LearningRate);
        Assert.IsNull(options.Seed, "the base options are not changed");
    }

    [TestMethod]
    public void AFailingTrialGetsInfinityAndTheSearchGoesOn()
    {
        var ml = new MLContext(1);
        var options = Tiny();
        int calls = 0;
        var result = ml.GFlowNet().Tuning.CreateExperiment(options)
            .SetSearchSpace(LearningRates(options))
            .SetObjective("fails once", _ => ++calls == 2 ? throw new InvalidOperationException("boom") : calls == 3 ? double.NaN : 10.0 - calls)
            .SetMaxTrials(4)
            .SetSeed(2)
            .Run();
        Assert.HasCount(4, result.Trials);
        CollectionAssert.AreEqual(new[] { TrialStatus.Succeeded, TrialStatus.Failed, TrialStatus.Failed, TrialStatus.Succeeded }, result.Trials.Select(t => t.Status).ToArray());
        Assert.AreEqual(double.PositiveInfinity, result.Trials[1].Metric);
        Assert.AreEqual("InvalidOperationException: boom", result.Trials[1].Error);
        Assert.AreEqual("The metric fails once is NaN.", result.Trials[2].Error);
        Assert.AreEqual(3, result.BestTrial!.TrialId);
        Assert.AreEqual(6.0, result.BestTrial.Metric);
        CollectionAssert.AreEqual(new[] { 3, 0, 1, 2 }, result.Leaderboard.Select(t => t.TrialId).ToArray());
    }

    [TestMethod]
    public void InvalidSampledOptionsFailTheTrialWithTheEstimatorsMessage()
    {
        var ml = new MLContext(1);
        var options = Tiny();
        options.EvalEvery = 0; // invalid for every trial: each fails with the estimator's validation message
        var result = ml.GFlowNet().Tuning.CreateExperiment(options).SetSearchSpace(LearningRates(options)).SetMaxTrials(2).Run();
        Assert.HasCount(2, result.Trials);
        Assert.IsNull(result.BestTrial);
        Assert.IsNull(result.BestModel);
        foreach (var trial in result.Trials)
        {
            Assert.AreEqual(TrialStatus.Failed, trial.Status);
            StringAssert.Contains(trial.Error, "EvalEvery");
        }
    }

    [TestMethod]
    public void TheTimeBudgetCancelsTheRunningTrialAndStops()
    {
        var ml = new MLContext(1);
        var options = Tiny(iterations: 1_000_000);
        var result = ml.GFlowNet().Tuning.CreateExperiment(options).SetSearchSpace(LearningRates(options))
            .SetMaxTrials(50).SetTrainingTimeInSeconds(1.0).Run();
        Assert.HasCount(1, result.Trials);
        Assert.AreEqual(TrialStatus.Cancelled, result.Trials[0].Status);
        Assert.AreEqual(double.PositiveInfinity, result.Trials[0].Metric);
        Assert.AreEqual("time budget", result.StopReason);
        Assert.IsNull(result.BestTrial);
        Assert.IsLessThan(20.0, result.Seconds);
    }

    [TestMethod]
    public void NoTrialStartsAfterTheTimeBudget()
    {
        var ml = new MLContext(1);
        var options = Tiny(iterations: 2);
        var result = ml.GFlowNet().Tuning.CreateExperiment(options).SetSearchSpace(LearningRates(options))
            .SetObjective("slow", _ => { Thread.Sleep(400); return 1; })
            .SetMaxTrials(50).SetTrainingTimeInSeconds(1.0).Run();
        Assert.AreEqual("time budget", result.StopReason);
        Assert.IsTrue(result.Trials.Count is >= 1 and <= 4, $"{result.Trials.Count} trials of ≥ 0.4 s in a 1 s budget");
        Assert.IsTrue(result.Trials.All(t => t.Status == TrialStatus.Succeeded), "the objective itself is not cancelled");
    }

    [TestMethod]
    public void TheCallersCancellationStopsTheExperimentWithTheTrialsSoFar()
    {
        var ml = new MLContext(1);
        var options = Tiny(iterations: 2);
        using var cts = new CancellationTokenSource();
        var result = ml.GFlowNet().Tuning.CreateExperiment(options).SetSearchSpace(LearningRates(options)).SetMaxTrials(10)
            .Run(new Progress(t => { if (t.TrialId == 1) cts.Cancel(); }), cts.Token);
        Assert.HasCount(2, result.Trials);
        Assert.AreEqual("cancelled", result.StopReason);
        Assert.IsNotNull(result.BestTrial);
    }

    [TestMethod]
    public void GridSearchStopsOnceEveryPointWasTried()
    {
        var ml = new MLContext(1);
        var options = Tiny(iterations: 2);
        var space = ml.GFlowNet().Tuning.CreateSearchSpace(options, "Iterations", "BatchSize", "LearningRate", "LogZLearningRate", "HiddenLayers", "Epsilon");
        var result = ml.GFlowNet().Tuning.CreateExperiment(options).SetSearchSpace(space).SetGridSearchTuner()
            .SetObjective("width", m => m.Policy.ParameterCount).SetMaxTrials(10).Run();
        Assert.AreEqual("grid exhausted", result.StopReason);
        CollectionAssert.AreEqual(new[] { 32, 64, 128, 256 }, result.Trials.Select(t => t.Options!.HiddenWidth).ToArray());
        Assert.AreEqual(32, result.BestTrial!.Options!.HiddenWidth, "the fewest parameters");
    }

    [TestMethod]
    public void OnTheTwoByFourGridTheSearchDoesNoWorseThanTheDefaultPoint()
    {
        var options = new TrajectoryBalanceOptions { Task = GFlowNetTask.HyperGrid(2, 4), Iterations = 30, BatchSize = 16, HiddenLayers = 1, HiddenWidth = 32, EvalEvery = 30 };
        var space = new MLContext(0).GFlowNet().Tuning.CreateSearchSpace(options, "Iterations", "BatchSize", "HiddenLayers", "HiddenWidth");
        TuningResult Search() => new MLContext(1).GFlowNet().Tuning.CreateExperiment(options).SetSearchSpace(space).SetSeed(5).SetMaxTrials(6).Run();
        var result = Search();
        Assert.HasCount(6, result.Trials);
        Assert.AreEqual("exact TV, else -top-k mean reward", result.Objective);
        Assert.IsTrue(result.Trials.All(t => t.Status == TrialStatus.Succeeded && t.Metric is > 0 and < 1));

        // Trial 0 is CFO's start: the default point, trained exactly as a plain Fit with the same seed.
        CollectionAssert.AreEqual(space.Default, result.Trials[0].Parameter.ToArray());
        var plain = space.Sample(space.Default, options);
        plain.Seed = result.Trials[0].Seed;
        var ml = new MLContext(1);
        var model = ml.GFlowNet().Trainers.TrajectoryBalance(plain).Fit(ml.Data.LoadFromEnumerable([new EstimatorTests.SeedRow()]));
        double defaultTv = model.Result.Final.ExactTotalVariation;
        Assert.AreEqual(defaultTv, result.Trials[0].Metric, 1e-12);
        Assert.AreEqual(result.Trials.Min(t => t.Metric), result.BestTrial!.Metric);
        Assert.IsLessThanOrEqualTo(defaultTv, result.BestTrial.Metric);
        Assert.AreEqual(result.BestTrial.Metric, ml.GFlowNet().Evaluate(result.BestModel!, samples: 1).TotalVariation!.Value, 1e-6, "the best model is the best trial's");

        // The same seed, the same search.
        var again = Search();
        CollectionAssert.AreEqual(result.Trials.Select(t => t.Metric).ToArray(), again.Trials.Select(t => t.Metric).ToArray());
    }

    [TestMethod]
    public void TheBuiltInObjectivesReadTheFinalEvaluation()
    {
        var ml = new MLContext(1);
        var options = Tiny(iterations: 5);
        options.Seed = 3;
        var model = ml.GFlowNet().Trainers.TrajectoryBalance(options).Fit(ml.Data.LoadFromEnumerable([new EstimatorTests.SeedRow()]));
        var final = model.Result.Final;
        Assert.AreEqual(final.ExactTotalVariation, TuningObjective.Default.Evaluate(model));
        Assert.AreEqual(final.ExactTotalVariation, TuningObjective.TotalVariation.Evaluate(model));
        Assert.AreEqual(Math.Abs(model.LogZ - final.TrueLogZ), TuningObjective.LogZError.Evaluate(model), 1e-12);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => TuningObjective.NegativeTopKMeanReward.Evaluate(model));
        StringAssert.Contains(e.Message, "is exact and carries no samples");
    }

    [TestMethod]
    public void BadSettingsThrowNamingTheSetting()
    {
        var ml = new MLContext(1);
        var tuning = ml.GFlowNet().Tuning;
        Assert.ThrowsExactly<ArgumentNullException>(() => tuning.CreateExperiment(null!));
        var experiment = tuning.CreateExperiment(Tiny());
        Assert.AreEqual("maxTrials", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => experiment.SetMaxTrials(0)).ParamName);
        Assert.AreEqual("seconds", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => experiment.SetTrainingTimeInSeconds(0)).ParamName);
        Assert.AreEqual("seconds", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => experiment.SetTrainingTimeInSeconds(double.NaN)).ParamName);
        Assert.AreEqual("steps", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => experiment.SetGridSearchTuner(1)).ParamName);
        var e = Assert.ThrowsExactly<ArgumentException>(() => experiment.SetSearchSpace(SearchSpace.For<PolicyGradientOptions>()));
        StringAssert.StartsWith(e.Message, "The search space was read from PolicyGradientOptions, but the base options are a TrajectoryBalanceOptions.");
        Assert.ThrowsExactly<ArgumentException>(() => experiment.SetObjective(" ", _ => 0));
        // The default space leaves the training budget alone.
        CollectionAssert.DoesNotContain(experiment.SearchSpace.Dimensions.Select(d => d.Name).ToArray(), "Iterations");
        Assert.AreEqual(6, experiment.SearchSpace.Count);
        // A tuner of another space is caught at the first proposal.
        var wrong = tuning.CreateExperiment(Tiny()).SetTuner(new RandomSearchTuner(SearchSpace.For<PolicyGradientOptions>()));
        StringAssert.StartsWith(Assert.ThrowsExactly<InvalidOperationException>(() => wrong.Run()).Message, "RandomSearchTuner proposed a point of 8 coordinates; the search space has 6.");
    }

    [TestMethod]
    public void ConcurrentTrialsGiveTheSameTrialsAndMetricsAsSequentialOnesForASeed()
    {
        (TuningResult Result, int MostAtOnce) Tune(int parallel)
        {
            int running = 0, most = 0;
            var objective = TuningObjective.Custom("tv, slowly", model =>
            {
                int now = Interlocked.Increment(ref running);
                lock (this) most = Math.Max(most, now);
                Thread.Sleep(300); // long enough for the round's other trial to arrive when trials run at once
                Interlocked.Decrement(ref running);
                return model.Result.Final.ExactTotalVariation;
            });
            var options = Tiny(iterations: 20);
            var result = new MLContext(2).GFlowNet().Tuning.CreateExperiment(options).SetSearchSpace(LearningRates(options))
                .SetCostFrugalTuner().SetSeed(5).SetMaxTrials(6).SetTrialsPerRound(2).SetMaxConcurrentTrials(parallel)
                .SetObjective(objective).Run();
            return (result, most);
        }
        var (one, sequentially) = Tune(1);
        var (two, concurrently) = Tune(2);
        Assert.AreEqual(1, sequentially, "one trial at a time");
        Assert.AreEqual(2, concurrently, "two trials at once");
        Assert.HasCount(6, one.Trials);
        CollectionAssert.AreEqual(one.Trials.Select(t => t.TrialId).ToArray(), two.Trials.Select(t => t.TrialId).ToArray());
        for (int i = 0; i < 6; i++)
        {
            CollectionAssert.AreEqual(one.Trials[i].Parameter.ToArray(), two.Trials[i].Parameter.ToArray(), $"trial {i}'s point");
            Assert.AreEqual(one.Trials[i].Metric, two.Trials[i].Metric, 0.0, $"trial {i}'s metric");
        }
        Assert.AreEqual(one.BestTrial!.TrialId, two.BestTrial!.TrialId);
        Assert.AreEqual(2, one.Trials.Select(t => t.Parameter.ToArray()).Take(2).Distinct(new PointComparer()).Count(), "a round's points differ");
    }

    [TestMethod]
    public void TrialsPerRoundAndConcurrencyBelowOneAreRejectedByName()
    {
        var experiment = new MLContext(0).GFlowNet().Tuning.CreateExperiment(Tiny());
        Assert.AreEqual("trials", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => experiment.SetTrialsPerRound(0)).ParamName);
        Assert.AreEqual("trials", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => experiment.SetMaxConcurrentTrials(0)).ParamName);
    }

    private sealed class PointComparer : IEqualityComparer<double[]>
    {
        public bool Equals(double[]? x, double[]? y) => x!.SequenceEqual(y!);
        public int GetHashCode(double[] obj) => obj.Length == 0 ? 0 : obj[0].GetHashCode();
    }

    private sealed class Progress(Action<TuningTrial> report) : IProgress<TuningTrial>
    {
        public void Report(TuningTrial value) => report(value);
    }
}
