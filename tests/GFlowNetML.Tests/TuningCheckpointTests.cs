using System.Text.Json.Nodes;
using GFlowNetML.Trainers;
using GFlowNetML.Tuning;
using Microsoft.ML;

namespace GFlowNetML.Tests;

/// <summary>An experiment's checkpoint folder: a tune stopped after some trials and run again with the folder replays the
/// finished trials (tuner state and ASHA's decisions included) and ends with the trials of an uninterrupted tune; the state
/// is written atomically; a corrupt state, one of another experiment and one that does not replay are refused.</summary>
[TestClass]
[DoNotParallelize]
public sealed class TuningCheckpointTests
{
    private string _root = "";

    [TestInitialize]
    public void CreateRoot() => _root = Directory.CreateTempSubdirectory("gfn-tune-ckpt-").FullName;

    [TestCleanup]
    public void DeleteRoot()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    /// <summary>CFO with ASHA over the learning rates on the 2 × 8 grid, 90 iterations (seed 5).</summary>
    private static GFlowNetExperiment Experiment(int trials, int seed = 5)
    {
        var options = new TrajectoryBalanceOptions { Task = GFlowNetTask.HyperGrid(2, 8), Iterations = 90, BatchSize = 16, HiddenLayers = 1, HiddenWidth = 32, EvalEvery = 10 };
        var space = new MLContext(0).GFlowNet().Tuning.CreateSearchSpace(options, "Iterations", "BatchSize", "HiddenLayers", "HiddenWidth");
        return new MLContext(1).GFlowNet().Tuning.CreateExperiment(options).SetSearchSpace(space).SetSeed(seed).SetMaxTrials(trials)
            .SetEarlyStopping(EarlyStoppingRule.Asha);
    }

    private static string Row(TuningTrial t)
        => $"{t.TrialId} {t.Status} {t.Iterations} {t.Metric:R} [{string.Join(",", t.Parameter.Select(p => p.ToString("R")))}] {string.Join(",", t.Evaluations.Select(e => e.Metric.ToString("R")))}";

    [TestMethod]
    public void ATuneRunAgainWithItsFolderReplaysTheFinishedTrialsAndEndsAsAnUninterruptedOne()
    {
        var uninterrupted = Experiment(8).Run();
        Assert.AreEqual(2, uninterrupted.PrunedTrials, "CFO's trials 1 and 6 stop at their rungs");

        string folder = Path.Combine(_root, "tune");
        var first = Experiment(4).SetCheckpoint(folder).Run();
        Assert.HasCount(4, first.Trials);
        string state = Path.Combine(folder, "tune-state.json");
        Assert.IsTrue(File.Exists(state));
        Assert.IsFalse(File.Exists(state + ".tmp"), "the temporary file is renamed over the state");
        var json = JsonNode.Parse(File.ReadAllText(state))!;
        Assert.AreEqual("gflownetml-tune-state", json["format"]!.GetValue<string>());
        Assert.HasCount(4, json["trials"]!.AsArray());

        var resumed = Experiment(8).SetCheckpoint(folder).Run();
        CollectionAssert.AreEqual(new[] { true, true, true, true, false, false, false, false }, resumed.Trials.Select(t => t.IsRestored).ToArray());
        CollectionAssert.AreEqual(uninterrupted.Trials.Select(Row).ToArray(), resumed.Trials.Select(Row).ToArray());
        Assert.AreEqual(uninterrupted.IterationsRun, resumed.IterationsRun);
        Assert.AreEqual(uninterrupted.BestTrial!.TrialId, resumed.BestTrial!.TrialId);
        Assert.HasCount(8, JsonNode.Parse(File.ReadAllText(state))!["trials"]!.AsArray());

        // Run again, every trial is replayed: the best model, trained again from its options and seed, is the same model.
        var replayed = Experiment(8).SetCheckpoint(folder).Run();
        Assert.IsTrue(replayed.Trials.All(t => t.IsRestored));
        CollectionAssert.AreEqual(uninterrupted.Trials.Select(Row).ToArray(), replayed.Trials.Select(Row).ToArray());
        Assert.AreEqual(uninterrupted.BestTrial.Metric, replayed.BestModel!.Result.Final.ExactTotalVariation, 0.0);
    }

    [TestMethod]
    public void ARoundCutShortIsCompletedByTrainingOnlyItsUnfinishedTrials()
    {
        // Rounds of 2 trained 2 at a time; the state loses trial 4 (round 2's first), as when the process dies while it
        // trains and its round-mate 5 has finished.
        string folder = Path.Combine(_root, "rounds");
        var whole = Experiment(6).SetTrialsPerRound(2).SetMaxConcurrentTrials(2).SetCheckpoint(folder).Run();
        string state = Path.Combine(folder, "tune-state.json");
        var root = JsonNode.Parse(File.ReadAllText(state))!;
        var trials = root["trials"]!.AsArray();
        trials.RemoveAt(trials.Select(t => t!["trial"]!.GetValue<int>()).ToList().IndexOf(4));
        File.WriteAllText(state, root.ToJsonString());

        var resumed = Experiment(6).SetTrialsPerRound(2).SetMaxConcurrentTrials(1).SetCheckpoint(folder).Run();
        CollectionAssert.AreEqual(new[] { true, true, true, true, false, true }, resumed.Trials.Select(t => t.IsRestored).ToArray());
        CollectionAssert.AreEqual(whole.Trials.Select(Row).ToArray(), resumed.Trials.Select(Row).ToArray());
    }

    [TestMethod]
    public void ACorruptStateOrOneOfAnotherExperimentIsRefused()
    {
        string folder = Path.Combine(_root, "tune");
        Experiment(2).SetCheckpoint(folder).Run();
        string state = Path.Combine(folder, "tune-state.json");
        string intact = File.ReadAllText(state);

        File.WriteAllText(state, intact[..(intact.Length / 2)]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Experiment(2).SetCheckpoint(folder).Run());
        StringAssert.StartsWith(e.Message, $"The tuning state {state} is corrupt: ");
        StringAssert.EndsWith(e.Message, "Delete it to start the tune over, or restore an intact copy.");
        Assert.DoesNotContain("\n", e.Message);

        File.WriteAllText(state, intact.Replace("\"succeeded\"", "\"fine\""));
        StringAssert.StartsWith(Assert.ThrowsExactly<InvalidDataException>(() => Experiment(2).SetCheckpoint(folder).Run()).Message, $"The tuning state {state} is corrupt: ");

        File.WriteAllText(state, intact);
        StringAssert.StartsWith(Assert.ThrowsExactly<InvalidOperationException>(() => Experiment(2, seed: 6).SetCheckpoint(folder).Run()).Message,
            $"The tuning state {state} belongs to another experiment: its seed is 5, this experiment's is 6;");

        // A recorded point the tuner does not propose again: the state does not replay.
        var root = JsonNode.Parse(intact)!;
        root["trials"]![1]!["parameter"]![0] = 0.25;
        File.WriteAllText(state, root.ToJsonString());
        StringAssert.StartsWith(Assert.ThrowsExactly<InvalidOperationException>(() => Experiment(2).SetCheckpoint(folder).Run()).Message,
            $"The tuning state in {folder} does not replay: trial 1 was recorded at [0.25, ");
    }
}
