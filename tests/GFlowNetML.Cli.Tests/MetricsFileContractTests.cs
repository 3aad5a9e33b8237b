using System.Text.Json;
using System.Text.Json.Nodes;

namespace GFlowNetML.Cli.Tests;

/// <summary>
/// A small run (D=2, H=4, R0=0.01, 20 iterations of 16 trajectories, evaluated every 5) writes metrics.json with the
/// contract's keys: "final" {exactTotalVariation, jensenShannon, logZ, trueLogZ, modesFound, trajectories, seconds}
/// and "history" [{iteration, trajectories, exactTotalVariation, jensenShannon, logZ, seconds}], with consistent values.
/// </summary>
[TestClass]
public sealed class MetricsFileContractTests
{
    private static readonly string[] FinalKeys = ["exactTotalVariation", "jensenShannon", "logZ", "trueLogZ", "modesFound", "trajectories", "seconds"];
    private static readonly string[] HistoryKeys = ["iteration", "trajectories", "exactTotalVariation", "jensenShannon", "logZ", "seconds"];

    /// <summary>Z* of the 4×4 grid, computed by hand: per dimension x ∈ {0,1,2,3}, a = |x/3 − ½| ∈ {½, ⅙, ⅙, ½}:
    /// two outer coordinates (a &gt; 0.25), no band coordinates (0.3 &lt; a &lt; 0.4). Z* = 0.01·16 + 0.5·2² + 2·0² = 2.16.</summary>
    private static readonly double TrueLogZ = Math.Log(0.01 * 16 + 0.5 * 4);

    private string _dir = "";

    [TestInitialize]
    public void CreateDir() => _dir = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteDir() => CliHarness.DeleteQuietly(_dir);

    [TestMethod]
    [DataRow("rl-u", "", "rl-u", false, null)]
    [DataRow("rl-b", "", "rl-b", true, null)]
    [DataRow("rl-g", "", "rl-g", true, "hypergrid-no-exit-below-r0")]
    [DataRow("rl-t", "", "rl-t", false, null)]
    [DataRow("rl-t", "--learn-backward", "rl-t-b", true, null)]
    [DataRow("tb", "--learn-backward", "tb-b", true, null)]
    [DataRow("db", "", "db", false, null)]
    [DataRow("subtb", "--learn-backward", "subtb-b", true, null)]
    [DataRow("fm", "", "fm", false, null)]
    public void EveryMethodRecordsItsVariantNameBackwardPolicyAndGuide(string method, string flag, string name, bool learned, string? guide)
    {
        string outDir = Path.Combine(_dir, name);
        string[] extra = flag.Length > 0 ? [flag] : [];
        var result = CliHarness.RunInProcess(["train", "--ndim", "2", "--height", "3", "--method", method, .. extra, "--iterations", "4",
            "--batch-size", "8", "--eval-every", "2", "--out", outDir, .. CliHarness.SmallNetworks]);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.AreEqual("", result.StdErr);
        Assert.StartsWith(name + (guide is null ? " on " : $" (guide {guide}) on "), result.StdOut);
        var metrics = Metrics.Read(outDir);
        Assert.AreEqual(name, (string?)metrics["method"]);
        Assert.AreEqual(learned, (bool?)metrics["learnedBackwardPolicy"]);
        Assert.AreEqual(guide, (string?)metrics["guide"]);
        double tv = Metrics.Number(metrics["final"]!["exactTotalVariation"], "final.exactTotalVariation");
        Assert.IsTrue(tv >= 0 && tv <= 1, $"exact TV {tv} lies in [0, 1]");
    }

    [TestMethod]
    [DataRow("rl-u")]
    [DataRow("tb")]
    public void SmallRunWritesTheContractedMetrics(string method)
    {
        string outDir = Path.Combine(_dir, "run"); // not created beforehand: train creates it
        var result = CliHarness.RunInProcess(["train", "--env", "hypergrid", "--ndim", "2", "--height", "4", "--r0", "0.01",
            "--method", method, "--iterations", "20", "--batch-size", "16", "--seed", "7", "--eval-every", "5", "--out", outDir,
            .. CliHarness.SmallNetworks]);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.AreEqual("", result.StdErr);
        Assert.Contains($"Wrote {Path.Combine(outDir, "metrics.json")}", result.StdOut);
        Assert.IsTrue(File.Exists(Path.Combine(outDir, "run.json")), "run.json is written next to metrics.json");
        Assert.IsFalse(File.Exists(Path.Combine(outDir, "metrics.json.tmp")), "no temporary file is left behind");
        Assert.IsFalse(File.Exists(CheckpointFile.PathIn(outDir)), "no checkpoint without --checkpoint-every");

        var metrics = Metrics.Read(outDir);
        Assert.AreEqual(method, (string?)metrics["method"]);
        Assert.AreEqual(7, (long?)metrics["seed"]);
        Assert.IsTrue((bool?)metrics["completed"]);

        var final = metrics["final"]!.AsObject();
        foreach (var key in FinalKeys) Metrics.Number(final[key], $"final.{key}");
        var history = metrics["history"]!.AsArray();
        foreach (var (entry, i) in history.Select((e, i) => (e!.AsObject(), i)))
            foreach (var key in HistoryKeys) Metrics.Number(entry[key], $"history[{i}].{key}");

        // The schedule: iteration 0 (untrained), then every 5; trajectories = iterations × batch size.
        CollectionAssert.AreEqual(new long[] { 0, 5, 10, 15, 20 }, history.Select(h => (long)h!["iteration"]!).ToArray());
        CollectionAssert.AreEqual(new long[] { 0, 80, 160, 240, 320 }, history.Select(h => (long)h!["trajectories"]!).ToArray());
        Assert.AreEqual(320, (long)final["trajectories"]!);

        double lastSeconds = 0;
        foreach (var h in history)
        {
            double tv = (double)h!["exactTotalVariation"]!, jsd = (double)h["jensenShannon"]!, seconds = (double)h["seconds"]!;
            Assert.IsTrue(tv is >= 0 and <= 1, $"exact TV {tv} outside [0, 1]");
            Assert.IsTrue(jsd >= 0 && jsd <= Math.Log(2) + 1e-12, $"JSD {jsd} outside [0, ln 2]");
            Assert.IsGreaterThanOrEqualTo(lastSeconds, seconds, "seconds never decrease");
            Assert.AreEqual(0, (long)h["modesFound"]!, "the 4×4 grid has no band cells, hence no modes");
            lastSeconds = seconds;
        }
        Assert.AreEqual(0.0, (double)history[0]!["logZ"]!, "log Z starts at 0");
        Assert.IsNull(history[0]!["loss"], "no training loss before the first iteration");
        foreach (var h in history.Skip(1))
        {
            Assert.IsGreaterThan(0.0, (double)h!["loss"]!, "the mean training loss since the previous record");
            if (method == "rl-u") Assert.IsGreaterThan(0.0, (double)h["criticLoss"]!, "RL-U's critic loss");
            else Assert.IsNull(h["criticLoss"], "TB has no critic");
        }
        Assert.AreNotEqual((double)history[0]!["exactTotalVariation"]!, (double)history[^1]!["exactTotalVariation"]!, "training changes the policy");

        Assert.AreEqual(TrueLogZ, (double)final["trueLogZ"]!, 1e-12, "log Z* of the 4×4 grid is log 2.16");
        Assert.AreEqual(0, (long)final["modesFound"]!);

        // The final record is the last evaluation (its seconds cover the whole run, so they may only be larger).
        var last = history[^1]!.AsObject();
        foreach (var key in HistoryKeys.Where(k => k != "seconds"))
            Assert.AreEqual(last[key]!.ToJsonString(), final[key]!.ToJsonString(), $"final.{key} equals the last history entry's");
        Assert.IsGreaterThanOrEqualTo((double)last["seconds"]!, (double)final["seconds"]!);
    }

    [TestMethod]
    public void IterationCountNotAMultipleOfEvalEveryStillEvaluatesTheLastIteration()
    {
        var result = CliHarness.RunInProcess(["train", "--ndim", "2", "--height", "4", "--method", "tb", "--iterations", "7",
            "--batch-size", "3", "--eval-every", "5", "--out", _dir, .. CliHarness.SmallNetworks]);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var metrics = Metrics.Read(_dir);
        CollectionAssert.AreEqual(new long[] { 0, 5, 7 }, metrics["history"]!.AsArray().Select(h => (long)h!["iteration"]!).ToArray());
        Assert.AreEqual(21, (long)metrics["final"]!["trajectories"]!);
        Assert.AreEqual(7, (long)metrics["final"]!["iteration"]!);
    }

    [TestMethod]
    public void RunJsonRecordsTheSettings()
    {
        var result = CliHarness.RunInProcess(["train", "--ndim", "3", "--height", "5", "--r0", "0.001", "--method", "tb",
            "--iterations", "1", "--batch-size", "2", "--seed", "42", "--eval-every", "1", "--out", _dir, .. CliHarness.SmallNetworks]);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "run.json")));
        var root = run.RootElement;
        var env = root.GetProperty("Environment");
        Assert.AreEqual("hypergrid", env.GetProperty("Env").GetString());
        var parameters = env.GetProperty("Parameters");
        Assert.AreEqual(3, parameters.GetProperty("ndim").GetInt32());
        Assert.AreEqual(5, parameters.GetProperty("height").GetInt32());
        Assert.AreEqual(0.001, parameters.GetProperty("r0").GetDouble());
        Assert.AreEqual(42, root.GetProperty("Trainer").GetProperty("Seed").GetInt64());
        Assert.AreEqual(32, root.GetProperty("Trainer").GetProperty("PolicyHiddenWidth").GetInt32());
    }
}
