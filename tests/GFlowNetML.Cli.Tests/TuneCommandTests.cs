using System.Text.Json.Nodes;

namespace GFlowNetML.Cli.Tests;

/// <summary><c>gflownet tune</c>: a tiny search on the 2 × 4 hyper-grid writes tune.json with every trial and the best
/// options; bad options are one-line usage errors (exit 2) and create no --out folder.</summary>
[TestClass]
public sealed class TuneCommandTests
{
    private string _root = "";

    [TestInitialize]
    public void CreateRoot() => _root = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteRoot() => CliHarness.DeleteQuietly(_root);

    private static string[] TuneArgs(string outDir, params string[] extra) =>
    [
        "tune", "--env", "hypergrid", "--ndim", "2", "--height", "4", "--method", "tb", "--iterations", "10", "--batch-size", "16",
        "--eval-every", "10", "--seed", "3", "--out", outDir, .. extra,
    ];

    private static JsonObject ReadTune(string dir)
    {
        string path = Path.Combine(dir, "tune.json");
        Assert.IsTrue(File.Exists(path), $"{path} is missing");
        return JsonNode.Parse(File.ReadAllText(path))!.AsObject();
    }

    [TestMethod]
    public void ATinyCostFrugalRunWritesEveryTrialAndTheBestOptions()
    {
        string outDir = Path.Combine(_root, "cfo");
        var result = CliHarness.RunInProcess(TuneArgs(outDir, "--tuner", "cfo", "--trials", "4", "--exclude", "hidden-layers,HiddenWidth,batch-size"));
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var json = ReadTune(outDir);
        Assert.AreEqual("tb", json["method"]!.GetValue<string>());
        Assert.AreEqual("cfo", json["tuner"]!.GetValue<string>());
        Assert.AreEqual("trial budget", json["stopReason"]!.GetValue<string>());
        Assert.AreEqual(10, json["iterations"]!.GetValue<int>());
        CollectionAssert.AreEqual(new[] { "LearningRate", "LogZLearningRate", "Epsilon" },
            json["searchSpace"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()).ToArray());
        var trials = json["trials"]!.AsArray();
        Assert.HasCount(4, trials);
        var metrics = trials.Select(t => Metrics.Number(t!["metric"], "trial metric")).ToArray();
        foreach (var t in trials)
        {
            Assert.AreEqual("succeeded", t!["status"]!.GetValue<string>());
            Assert.IsTrue(Metrics.Number(t["metric"], "metric") is > 0 and < 1, "an exact total variation");
            Assert.HasCount(3, t["parameter"]!.AsArray());
        }
        // CFO starts at the attributes' defaults.
        var first = trials[0]!["options"]!;
        Assert.AreEqual(1e-3, first["LearningRate"]!.GetValue<double>(), 1e-15);
        Assert.AreEqual(0.1, first["LogZLearningRate"]!.GetValue<double>(), 1e-15);
        Assert.AreEqual(0.0, first["Epsilon"]!.GetValue<double>());
        var best = json["best"]!;
        int bestTrial = best["trial"]!.GetValue<int>();
        Assert.AreEqual(metrics.Min(), Metrics.Number(best["metric"], "best metric"));
        Assert.AreEqual(metrics.Min(), metrics[bestTrial]);
        Assert.AreEqual(trials[bestTrial]!["options"]!.ToJsonString(), best["options"]!.ToJsonString());
        Assert.Contains($"Best: trial {bestTrial}", result.StdOut);
        Assert.Contains("rank", result.StdOut);
    }

    [TestMethod]
    public void ParallelTrialsWriteTheTrialsOfSequentialOnes()
    {
        string[] Trials(string parallel)
        {
            string outDir = Path.Combine(_root, "parallel-" + parallel);
            var result = CliHarness.RunInProcess(TuneArgs(outDir, "--tuner", "cfo", "--trials", "4", "--round", "2", "--parallel", parallel,
                "--exclude", "hidden-layers,HiddenWidth,batch-size"));
            Assert.AreEqual(0, result.ExitCode, result.ToString());
            return [.. ReadTune(outDir)["trials"]!.AsArray().Select(t => $"{t!["parameter"]!.ToJsonString()} {t["metric"]!.ToJsonString()}")];
        }
        var sequential = Trials("1");
        CollectionAssert.AreEqual(sequential, Trials("2"), "--parallel changes only the time");
        Assert.AreEqual(4, sequential.Distinct().Count(), "every trial of a round is a point of its own");
    }

    /// <summary>A random search of 8 trials of 30 iterations on the 2 × 8 grid (seed 3) with ASHA: rung 10 (grace = --eval-every).</summary>
    private static string[] AshaArgs(string outDir, params string[] extra) =>
    [
        "tune", "--env", "hypergrid", "--ndim", "2", "--height", "8", "--method", "tb", "--iterations", "30", "--batch-size", "16",
        "--eval-every", "10", "--seed", "3", "--tuner", "random", "--trials", "8", "--exclude", "hidden-layers,HiddenWidth,batch-size",
        "--early-stopping", "asha", "--out", outDir, .. extra,
    ];

    [TestMethod]
    public void AshaPrunesTrialsAndReportsTheIterationsSaved()
    {
        string outDir = Path.Combine(_root, "asha");
        var result = CliHarness.RunInProcess(AshaArgs(outDir, "--parallel", "1"));
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var json = ReadTune(outDir);
        var trials = json["trials"]!.AsArray();
        CollectionAssert.AreEqual(new[] { "succeeded", "pruned", "pruned", "succeeded", "succeeded", "succeeded", "succeeded", "pruned" },
            trials.Select(t => t!["status"]!.GetValue<string>()).ToArray());
        CollectionAssert.AreEqual(new[] { 30, 10, 10, 30, 30, 30, 30, 10 }, trials.Select(t => t!["iterations"]!.GetValue<int>()).ToArray());
        foreach (var t in trials) Assert.IsTrue(Metrics.Number(t!["metric"], "metric") is > 0 and < 1, "pruned trials keep their last metric");
        Assert.AreEqual(180, json["iterationsRun"]!.GetValue<int>());
        Assert.AreEqual(60, json["iterationsSaved"]!.GetValue<int>());
        Assert.AreEqual(3, json["prunedTrials"]!.GetValue<int>());
        Assert.IsGreaterThan(0.0, json["secondsSaved"]!.GetValue<double>());
        Assert.AreEqual("""{"rule":"asha","gracePeriod":10,"reductionFactor":3,"rungs":[10]}""", json["earlyStopping"]!.ToJsonString());
        Assert.AreEqual(6, json["best"]!["trial"]!.GetValue<int>());
        Assert.Contains("Early stopping: asha, rungs at 10 iterations, top 1/3 go on (against trials of earlier rounds)", result.StdOut);
        Assert.Contains("Early stopping pruned 3 of 8 trials: 180 of 240 iterations run, 60 saved (25%, about ", result.StdOut);
        Assert.Contains("pruned at 10: ", result.StdOut);
    }

    [TestMethod]
    public void WithEarlyStoppingParallelTrialsWriteTheTrialsOfSequentialOnes()
    {
        string[] Trials(string parallel)
        {
            string outDir = Path.Combine(_root, "asha-parallel-" + parallel);
            var result = CliHarness.RunInProcess(AshaArgs(outDir, "--round", "2", "--parallel", parallel));
            Assert.AreEqual(0, result.ExitCode, result.ToString());
            return [.. ReadTune(outDir)["trials"]!.AsArray().Select(t => $"{t!["status"]} {t["iterations"]} {t["metric"]!.ToJsonString()}")];
        }
        var sequential = Trials("1");
        CollectionAssert.AreEqual(sequential, Trials("2"), "--parallel changes only the time");
        Assert.IsTrue(sequential.Any(t => t.StartsWith("pruned", StringComparison.Ordinal)), string.Join("\n", sequential));
    }

    [TestMethod]
    public void GridSearchStopsOnceEveryPointWasTried()
    {
        string outDir = Path.Combine(_root, "grid");
        var result = CliHarness.RunInProcess(TuneArgs(outDir, "--tuner", "grid", "--trials", "10",
            "--exclude", "LearningRate,LogZLearningRate,HiddenLayers,BatchSize,Epsilon"));
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var json = ReadTune(outDir);
        Assert.AreEqual("grid exhausted", json["stopReason"]!.GetValue<string>());
        CollectionAssert.AreEqual(new[] { 32, 64, 128, 256 }, json["trials"]!.AsArray().Select(t => t!["options"]!["HiddenWidth"]!.GetValue<int>()).ToArray());
    }

    [TestMethod]
    public void HelpListsTheOptions()
    {
        var result = CliHarness.RunInProcess("tune", "--help");
        Assert.AreEqual(0, result.ExitCode);
        Assert.Contains("--tuner cfo|random|grid", result.StdOut);
        Assert.Contains("tune.json", result.StdOut);
    }

    [TestMethod]
    [DataRow("--method foo", "--method must be one of: rl-u, rl-b, rl-g, rl-t, tb, db, subtb, fm; got 'foo'.")]
    [DataRow("--tuner bayes", "--tuner must be one of: cfo, random, grid; got 'bayes'.")]
    [DataRow("--objective best", "--objective must be one of: auto, tv, logz, topk; got 'best'.")]
    [DataRow("--trials 0", "--trials must be an integer in 1..100000; got '0'.")]
    [DataRow("--max-seconds 0", "--max-seconds must be a number greater than 0; got '0'.")]
    [DataRow("--seed -1", "--seed must be an integer of at least 0; got '-1'.")]
    [DataRow("--grid-steps 3", "--grid-steps applies to --tuner grid only; got --tuner cfo.")]
    [DataRow("--exclude Depth", "--exclude: 'Depth' is not a tunable option of TrajectoryBalanceOptions; tunable: Iterations, BatchSize, LearningRate, LogZLearningRate, HiddenLayers, HiddenWidth, Epsilon.")]
    [DataRow("--ndim 0", "--ndim must be an integer in 1..64; got '0'.")]
    [DataRow("--tokens 4", "--tokens is an option of --env sequence; it does not apply to --env hypergrid")]
    [DataRow("--depth 3", "Unknown option --depth for 'tune'")]
    [DataRow("--early-stopping fast", "--early-stopping must be one of: none, median, asha; got 'fast'.")]
    [DataRow("--early-stopping asha --grace-period 0", "--grace-period must be an integer of at least 1; got '0'.")]
    [DataRow("--early-stopping asha --reduction-factor 1", "--reduction-factor must be an integer in 2..1000; got '1'.")]
    [DataRow("--early-stopping asha --rungs 30,10", "--rungs must be positive iteration counts in increasing order, separated by commas (e.g. 50,150); got '30,10'.")]
    [DataRow("--early-stopping asha --rungs 10 --grace-period 10", "--grace-period and --rungs cannot both be given: with --rungs the first rung is the grace period.")]
    [DataRow("--grace-period 10", "--grace-period applies to --early-stopping median or asha only; got --early-stopping none.")]
    [DataRow("--early-stopping median --reduction-factor 2", "--reduction-factor applies to --early-stopping asha only; got --early-stopping median.")]
    public void BadOptionsAreOneLineUsageErrors(string overrides, string message)
    {
        string outDir = Path.Combine(_root, "bad");
        var tokens = overrides.Split(' ');
        var args = TuneArgs(outDir).ToList();
        int at = args.IndexOf(tokens[0]);
        if (at >= 0) args[at + 1] = tokens[1];
        else args.AddRange(tokens);
        var result = CliHarness.RunInProcess([.. args]);
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.HasCount(1, result.ErrorLines, result.StdErr);
        Assert.StartsWith("gflownet tune: ", result.ErrorLines[0]);
        Assert.Contains(message, result.ErrorLines[0]);
        Assert.IsFalse(Directory.Exists(outDir), "nothing is written on a usage error");
    }

    [TestMethod]
    public void OutIsRequired()
    {
        var result = CliHarness.RunInProcess("tune", "--env", "hypergrid", "--height", "4");
        Assert.AreEqual(2, result.ExitCode);
        Assert.AreEqual("gflownet tune: --out is required: the folder tune.json is written to.", result.ErrorLines.Single());
    }
}
