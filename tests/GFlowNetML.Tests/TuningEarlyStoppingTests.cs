using GFlowNetML.Trainers;
using GFlowNetML.Tuning;
using Microsoft.ML;

namespace GFlowNetML.Tests;

/// <summary>Early stopping of tuning trials: on the 2 × 8 hyper-grid, where most of a random search's points (and the
/// defaults) learn slowly in 100 iterations, ASHA and median stopping prune the slow trials after 10 iterations and keep
/// the best trial and its metric; the decisions do not depend on the concurrency; the rules decide exactly as documented;
/// bad settings are refused by name.</summary>
[TestClass]
[DoNotParallelize]
public sealed class TuningEarlyStoppingTests
{
    /// <summary>2 × 8 hyper-grid, 100 iterations of 16 trajectories, one hidden layer of 32, an evaluation every 10.</summary>
    private static TrajectoryBalanceOptions Task() => new()
    {
        Task = GFlowNetTask.HyperGrid(2, 8), Iterations = 100, BatchSize = 16, HiddenLayers = 1, HiddenWidth = 32, EvalEvery = 10,
    };

    /// <summary>A random search of 16 trials over the learning rates and ε (seed 5): the same 16 points with any rule.</summary>
    private static TuningResult Search(EarlyStoppingRule rule, int round = 1, int parallel = 1)
    {
        var options = Task();
        var space = new MLContext(0).GFlowNet().Tuning.CreateSearchSpace(options, "Iterations", "BatchSize", "HiddenLayers", "HiddenWidth");
        return new MLContext(1).GFlowNet().Tuning.CreateExperiment(options).SetSearchSpace(space).SetRandomSearchTuner().SetSeed(5)
            .SetMaxTrials(16).SetTrialsPerRound(round).SetMaxConcurrentTrials(parallel).SetEarlyStopping(rule).Run();
    }

    [TestMethod]
    public void AshaPrunesTheSlowTrialsAndKeepsTheBestMetric()
    {
        var full = Search(EarlyStoppingRule.None);
        var asha = Search(EarlyStoppingRule.Asha);

        Assert.AreEqual(1600, full.IterationsRun);
        Assert.AreEqual(0, full.IterationsSaved);
        Assert.IsTrue(full.Trials.All(t => t.Status == TrialStatus.Succeeded && t.Iterations == 100 && t.Evaluations.Count == 0));

        // Rungs at 10, 30 and 90 iterations (grace = EvalEvery = 10, η = 3); ten trials stop at the first.
        int[] prunedIds = [2, 3, 4, 5, 7, 8, 10, 11, 12, 15];
        CollectionAssert.AreEqual(prunedIds, asha.Trials.Where(t => t.Status == TrialStatus.Pruned).Select(t => t.TrialId).ToArray());
        Assert.AreEqual(10, asha.PrunedTrials);
        Assert.AreEqual(700, asha.IterationsRun, "6 trials × 100 + 10 × 10");
        Assert.AreEqual(900, asha.IterationsSaved);
        Assert.IsGreaterThan(0.0, asha.SecondsSaved);

        // The best trial and its metric are those of the full search, bit for bit.
        Assert.AreEqual(14, full.BestTrial!.TrialId);
        Assert.AreEqual(14, asha.BestTrial!.TrialId);
        Assert.AreEqual(full.BestTrial.Metric, asha.BestTrial.Metric, 0.0);
        Assert.AreEqual(0.28408, asha.BestTrial.Metric, 5e-6);
        Assert.IsNotNull(asha.BestModel);

        for (int i = 0; i < 16; i++)
        {
            var (f, a) = (full.Trials[i], asha.Trials[i]);
            CollectionAssert.AreEqual(f.Parameter.ToArray(), a.Parameter.ToArray(), $"trial {i}'s point");
            if (a.Status == TrialStatus.Succeeded)
            {
                Assert.AreEqual(f.Metric, a.Metric, 0.0, $"trial {i} trained as without early stopping");
                Assert.AreEqual(100, a.Iterations);
                CollectionAssert.AreEqual(new long[] { 10, 20, 30, 40, 50, 60, 70, 80, 90, 100 }, a.Evaluations.Select(e => e.Iteration).ToArray());
                Assert.AreEqual(a.Metric, a.Evaluations[^1].Metric, 0.0, "the last evaluation's metric is the trial's");
            }
            else
            {
                Assert.AreEqual(10, a.Iterations, $"trial {i} stopped at the first rung");
                Assert.HasCount(1, a.Evaluations);
                Assert.AreEqual(a.Evaluations[0].Metric, a.Metric, 0.0, "a pruned trial keeps its last metric");
                Assert.IsGreaterThan(full.BestTrial.Metric, f.Metric, $"trial {i} would not have been the best");
                Assert.AreEqual(100, a.Budget);
                Assert.IsNull(a.Error);
                StringAssert.StartsWith(a.ToString(), $"trial {i}: pruned at 10 (");
            }
        }
        // The leaderboard: succeeded trials by metric, then the pruned ones.
        CollectionAssert.AreEqual(new[] { 14, 6, 13, 9, 1, 0 }, asha.Leaderboard.Take(6).Select(t => t.TrialId).ToArray());
        Assert.IsTrue(asha.Leaderboard.Skip(6).All(t => t.Status == TrialStatus.Pruned));
    }

    [TestMethod]
    public void MedianStoppingPrunesTrialsBelowTheMedianOnceThreeHaveCompleted()
    {
        var median = Search(EarlyStoppingRule.Median);
        // Trials 0–2 complete (fewer than 3 before them); trial 2 is the third, so stopping starts at trial 3.
        CollectionAssert.AreEqual(new[] { 3, 4, 5, 7, 8, 10, 11, 12, 15 }, median.Trials.Where(t => t.Status == TrialStatus.Pruned).Select(t => t.TrialId).ToArray());
        Assert.AreEqual(790, median.IterationsRun);
        Assert.AreEqual(810, median.IterationsSaved);
        Assert.AreEqual(14, median.BestTrial!.TrialId);
        Assert.AreEqual(0.28408, median.BestTrial.Metric, 5e-6);
    }

    [TestMethod]
    public void WithEarlyStoppingConcurrentTrialsGiveTheSameTrialsAsSequentialOnes()
    {
        var one = Search(EarlyStoppingRule.Asha, round: 4, parallel: 1);
        var two = Search(EarlyStoppingRule.Asha, round: 4, parallel: 2);
        Assert.HasCount(16, one.Trials);
        // Rounds of 4: the first round is never judged; later ones only against earlier rounds.
        Assert.IsTrue(one.Trials.Take(4).All(t => t.Status == TrialStatus.Succeeded));
        Assert.IsGreaterThan(0, one.PrunedTrials);
        for (int i = 0; i < 16; i++)
        {
            Assert.AreEqual(one.Trials[i].Status, two.Trials[i].Status, $"trial {i}'s status");
            Assert.AreEqual(one.Trials[i].Iterations, two.Trials[i].Iterations, $"trial {i}'s iterations");
            Assert.AreEqual(one.Trials[i].Metric, two.Trials[i].Metric, 0.0, $"trial {i}'s metric");
        }
        Assert.AreEqual(one.IterationsRun, two.IterationsRun);
        Assert.AreEqual(one.BestTrial!.TrialId, two.BestTrial!.TrialId);
    }

    private static TuningTrial Finished(int id, TrialStatus status, params (long Iteration, double Metric)[] curve)
        => new(id, [], new Dictionary<string, object>(), null, 0, curve[^1].Metric, 1, status, null, curve[^1].Iteration,
            curve.Select(c => new TrialEvaluation(c.Iteration, c.Metric, c.Iteration / 100.0)).ToArray());

    private static TrialEvaluation[] Curve(params (long Iteration, double Metric)[] curve)
        => curve.Select(c => new TrialEvaluation(c.Iteration, c.Metric, 0)).ToArray();

    [TestMethod]
    public void AshaKeepsTheTopOneOverEtaOfTheTrialsAtARung()
    {
        // Earlier trials at the rung (iteration 10): 0.5, 0.6 (pruned there) and 0.7; with this one n = 4, η = 2 keeps ⌈4/2⌉ = 2.
        TuningTrial[] earlier =
        [
            Finished(0, TrialStatus.Succeeded, (10, 0.5), (20, 0.4), (40, 0.3)),
            Finished(1, TrialStatus.Pruned, (10, 0.6)),
            Finished(2, TrialStatus.Succeeded, (10, 0.7), (20, 0.65), (40, 0.6)),
        ];
        var options = new EarlyStoppingOptions { Rule = EarlyStoppingRule.Asha, GracePeriod = 10, ReductionFactor = 2 };
        var stopper = new EarlyStopper(options, earlier, evalEvery: 10);
        CollectionAssert.AreEqual(new long[] { 10, 20 }, options.RungsBelow(40, 10).ToArray());
        Assert.IsFalse(stopper.ShouldStop(Curve((10, 0.55)), 40), "second of four");
        Assert.IsFalse(stopper.ShouldStop(Curve((10, 0.6)), 40), "a tie ranks in the trial's favour");
        Assert.IsTrue(stopper.ShouldStop(Curve((10, 0.65)), 40), "third of four");
        // At rung 20 only trials 0 and 2 reached it: n = 3 keeps 2; the best so far counts.
        Assert.IsFalse(stopper.ShouldStop(Curve((10, 0.55), (20, 0.6)), 40));
        Assert.IsTrue(stopper.ShouldStop(Curve((10, 0.68), (20, 0.66)), 40), "third of three: 0.4 and 0.65 did better");
        // No decision between rungs, before the grace period, or at the budget.
        Assert.IsFalse(stopper.ShouldStop(Curve((10, 0.55), (20, 0.6), (30, 0.9)), 40));
        Assert.IsFalse(new EarlyStopper(options with { GracePeriod = 20 }, earlier, 10).ShouldStop(Curve((10, 0.9)), 40));
        Assert.IsFalse(stopper.ShouldStop(Curve((10, 0.55), (20, 0.6), (30, 0.9), (40, 0.9)), 40));
        // A rung between evaluations (15) is decided at the next one (20), against the trials that reached 20.
        var between = new EarlyStopper(options with { Rungs = [15] }, earlier, 10);
        Assert.IsFalse(between.ShouldStop(Curve((10, 0.9)), 40));
        Assert.IsTrue(between.ShouldStop(Curve((10, 0.9), (20, 0.7)), 40));
        Assert.IsFalse(between.ShouldStop(Curve((10, 0.9), (20, 0.6)), 40));
        // The first trial (nothing earlier) always goes on.
        Assert.IsFalse(new EarlyStopper(options, [], 10).ShouldStop(Curve((10, 99.0)), 40));
    }

    [TestMethod]
    public void MedianStopsATrialWorseThanTheMedianOfTheCompletedTrialsAtTheSameIteration()
    {
        TuningTrial[] earlier =
        [
            Finished(0, TrialStatus.Succeeded, (10, 0.5), (20, 0.45)),
            Finished(1, TrialStatus.Succeeded, (10, 0.6), (20, 0.5)),
            Finished(2, TrialStatus.Pruned, (10, 0.1)), // pruned trials are not completed: not in the median
            Finished(3, TrialStatus.Succeeded, (10, 0.7), (20, 0.3)),
        ];
        var options = new EarlyStoppingOptions { Rule = EarlyStoppingRule.Median, GracePeriod = 10 };
        var stopper = new EarlyStopper(options, earlier, evalEvery: 10);
        Assert.IsFalse(stopper.ShouldStop(Curve((10, 0.6)), 30), "at the median 0.6");
        Assert.IsTrue(stopper.ShouldStop(Curve((10, 0.61)), 30));
        Assert.IsFalse(stopper.ShouldStop(Curve((10, 0.2), (20, 0.9)), 30), "the best so far (0.2) against the median 0.45");
        Assert.IsTrue(stopper.ShouldStop(Curve((10, 0.6), (20, 0.55)), 30), "0.55 > median 0.45");
        Assert.IsFalse(new EarlyStopper(options with { MinimumTrials = 4 }, earlier, 10).ShouldStop(Curve((10, 0.9)), 30), "only 3 completed");
        Assert.IsTrue(stopper.ShouldStop(Curve((10, double.NaN)), 30), "NaN is the worst");
    }

    [TestMethod]
    public void BadEarlyStoppingSettingsAreRefusedByName()
    {
        var experiment = new MLContext(0).GFlowNet().Tuning.CreateExperiment(Task());
        void Refused(EarlyStoppingOptions options, string name, string message)
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => experiment.SetEarlyStopping(options));
            Assert.AreEqual(name, e.ParamName);
            StringAssert.StartsWith(e.Message, message);
        }
        var asha = new EarlyStoppingOptions { Rule = EarlyStoppingRule.Asha };
        Refused(asha with { GracePeriod = 0 }, "GracePeriod", "GracePeriod must be an iteration count of at least 1 (or null for EvalEvery).");
        Refused(asha with { ReductionFactor = 1 }, "ReductionFactor", "ReductionFactor must be an integer of at least 2.");
        Refused(asha with { MinimumTrials = 0 }, "MinimumTrials", "MinimumTrials must be an integer of at least 1.");
        Refused(asha with { Rungs = [30, 10] }, "Rungs", "Rungs must be positive iteration counts in increasing order.");
        Refused(asha with { Rungs = [] }, "Rungs", "Rungs must hold at least one iteration count (or be null for grace·η^k).");
        Refused(asha with { Rule = (EarlyStoppingRule)7 }, "Rule", "Rule must be one of: None, Median, Asha.");
        Assert.AreEqual(EarlyStoppingOptions.None, experiment.EarlyStopping, "a refused setting changes nothing");

        // A custom objective without an evaluation metric cannot judge a trial before it ends.
        experiment.SetEarlyStopping(EarlyStoppingRule.Asha).SetObjective("final only", m => m.Result.Final.ExactTotalVariation).SetMaxTrials(1);
        StringAssert.StartsWith(Assert.ThrowsExactly<InvalidOperationException>(() => experiment.Run()).Message,
            "Early stopping (asha (grace EvalEvery, reduction factor 3)) needs the objective at every evaluation, but 'final only' is computed from a fitted sampler only;");
        Assert.IsFalse(TuningObjective.Custom("x", _ => 0).EvaluatesRecords);
        Assert.IsTrue(TuningObjective.Custom("x", _ => 0, e => e.ExactTotalVariation).EvaluatesRecords);
        Assert.IsTrue(TuningObjective.Default.EvaluatesRecords);
    }
}
