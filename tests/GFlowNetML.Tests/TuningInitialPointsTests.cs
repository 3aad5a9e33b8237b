using GFlowNetML.Trainers;
using GFlowNetML.Tuning;
using Microsoft.ML;

namespace GFlowNetML.Tests;

/// <summary>Warm start (FLAML's points_to_evaluate): the initial points are the first trials, exactly as given; CFO then
/// steps around the best of them; a point that does not fit the search space is refused naming the option and its range;
/// the points are part of the checkpoint's identity and survive a resume.</summary>
[TestClass]
[DoNotParallelize]
public sealed class TuningInitialPointsTests
{
    private string _dir = "";

    [TestInitialize]
    public void CreateDir() => _dir = Directory.CreateTempSubdirectory("gfn-initial-points-").FullName;

    [TestCleanup]
    public void DeleteDir()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static TrajectoryBalanceOptions Tiny() => new()
    {
        Task = GFlowNetTask.HyperGrid(2, 4), Iterations = 10, BatchSize = 16, HiddenLayers = 1, HiddenWidth = 32, EvalEvery = 10,
    };

    /// <summary>LearningRate in [1e-4, 1e-2] (log) and LogZLearningRate in [1e-3, 1] (log).</summary>
    private static SearchSpace LearningRates(GFlowNetSamplerOptions options)
        => new MLContext(0).GFlowNet().Tuning.CreateSearchSpace(options, "Iterations", "BatchSize", "HiddenLayers", "HiddenWidth", "Epsilon");

    private static readonly IReadOnlyDictionary<string, object>[] Points =
    [
        new Dictionary<string, object> { ["LearningRate"] = 0.005, ["LogZLearningRate"] = 0.05 },
        new Dictionary<string, object> { ["learningrate"] = 0.0002 }, // case-insensitive; LogZLearningRate at its default
        new Dictionary<string, object> { ["LearningRate"] = 0.001, ["LogZLearningRate"] = 0.5 },
    ];

    /// <summary>A scripted metric by trial: the second initial point is the best of the three.</summary>
    private static readonly double[] Metrics = [3.0, 1.0, 2.0, 5.0, 4.0, 0.5];

    private GFlowNetExperiment Experiment(int trials, int round = 1)
    {
        var options = Tiny();
        int calls = 0;
        return new MLContext(1).GFlowNet().Tuning.CreateExperiment(options).SetSearchSpace(LearningRates(options)).SetSeed(4)
            .SetObjective("scripted", _ => Metrics[Interlocked.Increment(ref calls) - 1]).SetMaxTrials(trials).SetTrialsPerRound(round)
            .SetInitialPoints(Points);
    }

    [TestMethod]
    public void TheInitialPointsAreTheFirstTrialsAndCostFrugalSearchStartsFromTheBest()
    {
        var result = Experiment(5).Run();

        Assert.HasCount(5, result.Trials);
        Assert.AreEqual(0.005, result.Trials[0].Values["LearningRate"]);
        Assert.AreEqual(0.05, result.Trials[0].Values["LogZLearningRate"]);
        Assert.AreEqual(0.0002, result.Trials[1].Values["LearningRate"]);
        Assert.AreEqual(0.1, result.Trials[1].Values["LogZLearningRate"], "an option not named takes its default");
        Assert.AreEqual(0.001, result.Trials[2].Values["LearningRate"]);
        Assert.AreEqual(0.5, result.Trials[2].Values["LogZLearningRate"]);
        Assert.AreEqual(0.0002, result.Trials[1].Options!.LearningRate, "the options train with the values exactly as given");
        CollectionAssert.AreEqual(new[] { true, true, true, false, false }, result.Trials.Select(t => t.IsInitialPoint).ToArray());
        // CFO's first proposals step around trial 1 (the best initial point) with the initial step, ± the same direction.
        var space = LearningRates(Tiny());
        var cfo = new CostFrugalTuner(space, 4);
        cfo.StartFrom(result.Trials[1].Parameter, 1.0);
        var plus = cfo.Propose(new TrialSettings(3));
        CollectionAssert.AreEqual(plus, result.Trials[3].Parameter.ToArray());
        cfo.Update(new TrialResult(new TrialSettings(3), plus, 5.0, 0));
        CollectionAssert.AreEqual(cfo.Propose(new TrialSettings(4)), result.Trials[4].Parameter.ToArray());
        double step = 0.1 * Math.Sqrt(2);
        double distance = Math.Sqrt(result.Trials[3].Parameter.Zip(result.Trials[1].Parameter, (a, b) => (a - b) * (a - b)).Sum());
        Assert.AreEqual(step, distance, 1e-12, "one initial step from the best initial point");
        Assert.AreEqual(1, result.BestTrial!.TrialId);
    }

    [TestMethod]
    public void InitialPointsFillTheirOwnRoundsBeforeTheTunersProposals()
    {
        var result = Experiment(6, round: 2).Run();
        // Rounds: {0, 1}, {2} (the last initial point alone), then the tuner's {3, 4}, {5}.
        Assert.HasCount(6, result.Trials);
        Assert.AreEqual(0.001, result.Trials[2].Values["LearningRate"]);
        var cfo = new CostFrugalTuner(LearningRates(Tiny()), 4);
        cfo.StartFrom(result.Trials[1].Parameter, 1.0);
        var a = cfo.Propose(new TrialSettings(3));
        var b = cfo.Propose(new TrialSettings(4));
        CollectionAssert.AreEqual(a, result.Trials[3].Parameter.ToArray());
        CollectionAssert.AreEqual(b, result.Trials[4].Parameter.ToArray());
    }

    [TestMethod]
    public void APointOutsideTheSearchSpaceIsRefusedNamingTheOptionAndItsRange()
    {
        var options = Tiny();
        var experiment = new MLContext(1).GFlowNet().Tuning.CreateExperiment(options).SetSearchSpace(LearningRates(options));
        var e = Assert.ThrowsExactly<ArgumentException>(() => experiment.SetInitialPoints(
            new Dictionary<string, object> { ["LearningRate"] = 0.001 }, new Dictionary<string, object> { ["LearningRate"] = 0.5 }));
        Assert.AreEqual("Initial point 1: 'LearningRate' is 0.5, outside its range: it must be a number in [0.0001, 0.01] (log). (Parameter 'points')", e.Message);
        e = Assert.ThrowsExactly<ArgumentException>(() => experiment.SetInitialPoints(new Dictionary<string, object> { ["HiddenWidth"] = 64 }));
        Assert.AreEqual("Initial point 0: 'HiddenWidth' is not a tuned option of this search space; tuned: LearningRate, LogZLearningRate. (Parameter 'points')", e.Message);
        e = Assert.ThrowsExactly<ArgumentException>(() => experiment.SetInitialPoints(new Dictionary<string, object> { ["LogZLearningRate"] = "fast" }));
        Assert.AreEqual("Initial point 0: 'LogZLearningRate' is fast; it must be a number in [0.001, 1] (log). (Parameter 'points')", e.Message);
        Assert.IsEmpty(experiment.InitialPoints, "a refused set leaves none");
        e = Assert.ThrowsExactly<ArgumentException>(() => experiment.SetInitialPoints(new Dictionary<string, object> { ["LearningRate"] = 0.99e-4 }));
        Assert.AreEqual("Initial point 0: 'LearningRate' is 9.9E-05, outside its range: it must be a number in [0.0001, 0.01] (log). (Parameter 'points')", e.Message);
        experiment.SetInitialPoints(new Dictionary<string, object> { ["LearningRate"] = 1e-4f }); // the end as a float: within 1e-6 of it
        Assert.HasCount(1, experiment.InitialPoints);

        var full = new MLContext(0).GFlowNet().Tuning.CreateSearchSpace(options, "Iterations");
        e = Assert.ThrowsExactly<ArgumentException>(() => full.Point(new Dictionary<string, object> { ["HiddenWidth"] = 100 }));
        Assert.AreEqual("'HiddenWidth' is 100, which is not one of its choices: 32, 64, 128, 256.", e.Message);
        e = Assert.ThrowsExactly<ArgumentException>(() => full.Point(new Dictionary<string, object> { ["HiddenLayers"] = 2.5 }));
        Assert.AreEqual("'HiddenLayers' is 2.5, outside its range: it must be an integer in [1, 4].", e.Message);
        var point = full.Point(new Dictionary<string, object> { ["HiddenWidth"] = 128L, ["HiddenLayers"] = 3.0 });
        Assert.AreEqual(128, full.Values(point)["HiddenWidth"], "a number equal to a choice is that choice");
        Assert.AreEqual(3, full.Values(point)["HiddenLayers"]);
    }

    /// <summary>The loss of a trial from its values (a function of the point, so a resumed run agrees): the distance in log10
    /// from LearningRate 10^-3.5 and LogZLearningRate 10^-1.3, which initial point 0 is nearest.</summary>
    private sealed class BowlRunner : ITrialRunner
    {
        public Task<TrialResult> RunAsync(TrialSettings settings, CancellationToken cancellationToken)
        {
            double loss = Math.Round(Math.Abs(Math.Log10((double)settings.Values["LearningRate"]) + 2.5)
                + Math.Abs(Math.Log10((double)settings.Values["LogZLearningRate"]) + 1.3), 6);
            return Task.FromResult(new TrialResult(settings, settings.Parameter, loss, 0));
        }

        public void Dispose()
        {
        }
    }

    [TestMethod]
    public void TheInitialPointsSurviveAResumeAndOtherPointsAreRefused()
    {
        string folder = Path.Combine(_dir, "state");
        using var runner = new BowlRunner();
        var uninterrupted = Experiment(5).SetTrialRunner(runner).Run();
        var first = Experiment(2).SetTrialRunner(runner).SetCheckpoint(folder).Run();
        Assert.HasCount(2, first.Trials);
        var resumed = Experiment(5).SetTrialRunner(runner).SetCheckpoint(folder).Run();
        CollectionAssert.AreEqual(new[] { true, true, false, false, false }, resumed.Trials.Select(t => t.IsRestored).ToArray());
        CollectionAssert.AreEqual(new[] { true, true, true, false, false }, resumed.Trials.Select(t => t.IsInitialPoint).ToArray());
        for (int i = 0; i < 5; i++)
        {
            CollectionAssert.AreEqual(uninterrupted.Trials[i].Parameter.ToArray(), resumed.Trials[i].Parameter.ToArray(), $"trial {i}");
            Assert.AreEqual(uninterrupted.Trials[i].Loss, resumed.Trials[i].Loss, $"trial {i}");
        }
        Assert.AreEqual(0.2, resumed.Trials[0].Loss, "restored: |log10 0.005 + 2.5| + |log10 0.05 + 1.3|, rounded");

        var other = Experiment(5).SetCheckpoint(folder).SetInitialPoints(new Dictionary<string, object> { ["LearningRate"] = 0.003 });
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => other.Run());
        StringAssert.Contains(e.Message, "belongs to another experiment: its initialPoints is [[");
    }
}
