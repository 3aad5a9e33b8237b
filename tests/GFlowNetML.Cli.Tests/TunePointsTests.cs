using System.Text.Json.Nodes;

namespace GFlowNetML.Cli.Tests;

/// <summary><c>gflownet tune --points FILE.json</c>: the points are the first trials, exactly as given, and tune.json lists
/// every trial with its options, metric, loss, status, iterations and peak memory; a point outside the search space is one
/// line naming the option and its range (exit 2, no --out folder); the points are kept in tune-run.json, so a resume
/// evaluates the same ones after the file is gone; failing trials are recorded as failed with their message.</summary>
[TestClass]
public sealed class TunePointsTests
{
    private string _root = "";

    [TestInitialize]
    public void CreateRoot() => _root = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteRoot() => CliHarness.DeleteQuietly(_root);

    private static string[] TuneArgs(string outDir, params string[] extra) =>
    [
        "tune", "--env", "hypergrid", "--ndim", "2", "--height", "4", "--method", "tb", "--iterations", "10", "--batch-size", "16",
        "--eval-every", "10", "--seed", "3", "--exclude", "hidden-layers,HiddenWidth,batch-size,epsilon", "--parallel", "1", "--out", outDir, .. extra,
    ];

    private string PointsFile(string json)
    {
        string path = Path.Combine(_root, $"points-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static JsonObject ReadTune(string dir) => JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "tune.json")))!.AsObject();

    [TestMethod]
    public void ThePointsAreTheFirstTrialsAndTuneJsonListsEveryTrial()
    {
        string outDir = Path.Combine(_root, "points");
        string points = PointsFile("""[{"learning-rate": 0.005, "LogZLearningRate": 0.05}, {"LearningRate": 0.0002}]""");
        var result = CliHarness.RunInProcess(TuneArgs(outDir, "--trials", "4", "--points", points));

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.Contains("Initial points: 2, evaluated first (trials 0-1); cfo starts from the best of them", result.StdOut);
        Assert.Contains("trial 0: ", result.StdOut);
        Assert.Contains("(initial point)", result.StdOut);
        var json = ReadTune(outDir);
        Assert.AreEqual(2, json["initialPoints"]!.GetValue<int>());
        var trials = json["trials"]!.AsArray();
        Assert.HasCount(4, trials);
        Assert.AreEqual(0.005, trials[0]!["options"]!["LearningRate"]!.GetValue<double>());
        Assert.AreEqual(0.05, trials[0]!["options"]!["LogZLearningRate"]!.GetValue<double>());
        Assert.AreEqual(0.0002, trials[1]!["options"]!["LearningRate"]!.GetValue<double>());
        Assert.AreEqual(0.1, trials[1]!["options"]!["LogZLearningRate"]!.GetValue<double>(), "an option not named takes its default");
        CollectionAssert.AreEqual(new[] { true, true, false, false }, trials.Select(t => t!["initialPoint"]!.GetValue<bool>()).ToArray());
        foreach (var t in trials)
        {
            Assert.AreEqual("succeeded", t!["status"]!.GetValue<string>());
            Assert.AreEqual(10, t["iterations"]!.GetValue<long>());
            Assert.AreEqual(t["metric"]!.GetValue<double>(), t["loss"]!.GetValue<double>());
            Assert.IsGreaterThan(10.0, t["peakMemoryInMegaByte"]!.GetValue<double>());
            Assert.IsNotNull(t["options"]);
        }
        Assert.AreEqual(4, json["succeededTrials"]!.GetValue<int>());
        Assert.AreEqual(0, json["failedTrials"]!.GetValue<int>());
    }

    [TestMethod]
    [DataRow("""[{"LearningRate": 0.5}]""", "point 0: 'LearningRate' is 0.5, outside its range: it must be a number in [0.0001, 0.01] (log).")]
    [DataRow("""[{"LearningRate": 0.001}, {"HiddenWidth": 64}]""", "point 1: 'HiddenWidth' is not a tuned option of this search space; tuned: LearningRate, LogZLearningRate.")]
    [DataRow("""[{"LogZLearningRate": null}]""", "point 0: 'LogZLearningRate' is null; give a number, true/false or a string.")]
    [DataRow("""{"LearningRate": 0.001}""", "the file must hold a JSON array of objects of option values")]
    [DataRow("""[{"LearningRate": 0.001""", "not valid JSON")]
    public void ABadPointIsOneLineNamingTheOptionAndNoFolderIsMade(string content, string message)
    {
        string outDir = Path.Combine(_root, "bad");
        string points = PointsFile(content);
        var result = CliHarness.RunInProcess(TuneArgs(outDir, "--trials", "2", "--points", points));
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.HasCount(1, result.ErrorLines, result.StdErr);
        Assert.StartsWith($"gflownet tune: --points {points}: ", result.ErrorLines[0]);
        Assert.Contains(message, result.ErrorLines[0]);
        Assert.IsFalse(Directory.Exists(outDir), "nothing is written for a refused tune");
    }

    [TestMethod]
    public void AResumedTuneEvaluatesTheSamePointsAfterTheFileIsGone()
    {
        string a = Path.Combine(_root, "A"), b = Path.Combine(_root, "B");
        string points = PointsFile("""[{"LearningRate": 0.005}, {"LearningRate": 0.0002, "LogZLearningRate": 0.5}]""");
        Assert.AreEqual(0, CliHarness.RunInProcess(TuneArgs(a, "--trials", "3", "--points", points)).ExitCode);
        Assert.AreEqual(0, CliHarness.RunInProcess(TuneArgs(b, "--trials", "3", "--points", points)).ExitCode);
        File.Delete(points);
        // B as if killed during trial 1: the state keeps trial 0 only.
        string state = Path.Combine(b, "tune-state.json");
        var root = JsonNode.Parse(File.ReadAllText(state))!.AsObject();
        var kept = root["trials"]!.AsArray()[0]!.DeepClone();
        root["trials"] = new JsonArray(kept);
        File.WriteAllText(state, root.ToJsonString());
        File.Delete(Path.Combine(b, "tune.json"));

        var resumed = CliHarness.RunInProcess("tune", "--resume", b, "--parallel", "1");

        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        Assert.Contains("Resumed: 1 trials restored", resumed.StdOut);
        Assert.AreEqual(Canonical(a), Canonical(b), "the same trials, points and metrics as the uninterrupted tune");
        var trials = ReadTune(b)["trials"]!.AsArray();
        Assert.AreEqual(0.5, trials[1]!["options"]!["LogZLearningRate"]!.GetValue<double>(), "initial point 1, read from tune-run.json");
    }

    [TestMethod]
    public void FailingTrialsAreRecordedAsFailedWithTheirMessageAndIterationsAndTheTuneGoesOn()
    {
        // The exact TV needs an enumerable space; bitseq's 2^120 states are not: each trial trains, then its metric fails.
        string outDir = Path.Combine(_root, "failing");
        var result = CliHarness.RunInProcess("tune", "--env", "bitseq", "--method", "tb", "--iterations", "5", "--batch-size", "8", "--eval-every", "5",
            "--seed", "1", "--trials", "2", "--objective", "tv", "--exclude", "hidden-layers,HiddenWidth,batch-size", "--parallel", "1", "--out", outDir);

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.Contains("No trial succeeded.", result.StdOut);
        var json = ReadTune(outDir);
        var trials = json["trials"]!.AsArray();
        Assert.HasCount(2, trials, "the tune went on after the first failure");
        foreach (var t in trials)
        {
            Assert.AreEqual("failed", t!["status"]!.GetValue<string>());
            Assert.AreEqual(5, t["iterations"]!.GetValue<long>(), "the iterations it ran");
            Assert.IsNull(t["metric"], "+∞ is written as null");
            StringAssert.StartsWith(t["error"]!.GetValue<string>(), "InvalidOperationException: The exact total variation needs an enumerable state space, but the states of bitseq(");
            Assert.IsNotNull(t["options"]);
        }
        Assert.AreEqual(2, json["failedTrials"]!.GetValue<int>());
        Assert.AreEqual(0, json["succeededTrials"]!.GetValue<int>());
        Assert.IsNull(json["best"]);
    }

    /// <summary>tune.json without the wall-clock fields and the peak memory.</summary>
    private static string Canonical(string dir)
    {
        var json = ReadTune(dir);
        json.Remove("seconds");
        json.Remove("secondsSaved");
        foreach (var t in json["trials"]!.AsArray())
        {
            t!.AsObject().Remove("seconds");
            t.AsObject().Remove("peakMemoryInMegaByte");
        }
        return json.ToJsonString();
    }
}
