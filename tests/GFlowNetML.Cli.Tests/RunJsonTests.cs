using System.Text.Json.Nodes;
using GFlowNetML.Environments;

namespace GFlowNetML.Cli.Tests;

/// <summary>run.json holds the chosen environment's declared parameters only, is validated like the command line when a
/// run is resumed, and the form the previous version wrote (every environment's options in PascalCase) still resumes.</summary>
[TestClass]
public sealed class RunJsonTests
{
    private string _root = "";

    [TestInitialize]
    public void CreateRoot() => _root = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteRoot() => CliHarness.DeleteQuietly(_root);

    private static JsonObject Train(string dir, params string[] environment)
    {
        var result = CliHarness.RunInProcess(["train", .. environment, "--method", "tb", "--iterations", "2", "--batch-size", "4",
            "--eval-every", "1", "--out", dir, "--checkpoint-every", "1", .. CliHarness.SmallNetworks]);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        return JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "run.json")))!.AsObject();
    }

    [TestMethod]
    public void AHyperGridRunJsonHoldsHyperGridParametersOnly()
    {
        var run = Train(Path.Combine(_root, "grid"), "--ndim", "3", "--height", "4", "--r2", "1.5");

        var environment = run["Environment"]!.AsObject();
        CollectionAssert.AreEqual(new[] { "Env", "Parameters" }, environment.Select(p => p.Key).ToArray());
        Assert.AreEqual("hypergrid", (string?)environment["Env"]);
        var parameters = environment["Parameters"]!.AsObject();
        CollectionAssert.AreEqual(new[] { "ndim", "height", "r2" }, parameters.Select(p => p.Key).ToArray(), "the options given, in declaration order");
        Assert.AreEqual(3, (int)parameters["ndim"]!);
        Assert.AreEqual(4, (int)parameters["height"]!);
        Assert.AreEqual(1.5, (double)parameters["r2"]!);
        var declared = HyperGrid.Declaration.Parameters.Select(p => p.Name).ToHashSet();
        Assert.IsTrue(parameters.All(p => declared.Contains(p.Key)));
        foreach (string other in new[] { "Tokens", "tokens", "Codebook", "codebook", "Nodes", "nodes", "Bits", "bits" })
            Assert.DoesNotContain($"\"{other}\"", environment.ToJsonString(), $"{other} is another environment's option");
    }

    [TestMethod]
    public void ADagRunJsonHoldsDagParametersOnlyAndResumes()
    {
        string dir = Path.Combine(_root, "dag");
        var run = Train(dir, "--env", "dag", "--nodes", "3", "--data-seed", "7");

        var parameters = run["Environment"]!["Parameters"]!.AsObject();
        CollectionAssert.AreEqual(new[] { "nodes", "data-seed" }, parameters.Select(p => p.Key).ToArray());
        Assert.AreEqual(7L, (long)parameters["data-seed"]!);

        var resumed = CliHarness.RunInProcess("train", "--resume", dir, "--iterations", "3");
        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        Assert.Contains("expected_edges=3, samples=100, seed=7", resumed.StdOut, "the same environment: 3 nodes hold at most 3 edges, data seed 7");
    }

    /// <summary>What the previous version wrote as run.json's environment: every environment's options, defaults and nulls included.</summary>
    private const string LegacyEnvironment = """
        {"Env": "hypergrid", "Ndim": 2, "Height": 4, "R0": 0.01, "R1": 0.5, "R2": 2, "Tokens": 4, "Length": 8,
         "ActionModel": "write-any-blank", "Rewards": null, "Alpha": 3, "RMin": 0.001, "MaxReward": 10, "ModeFraction": 0.005,
         "ModeCount": null, "Alphabet": null, "Motifs": 4, "LandscapeSeed": 0, "Nodes": 5, "Edges": 5, "Samples": 100,
         "Noise": 0.1, "DataSeed": 0, "Data": null, "Bits": 120, "Word": 4, "Codebook": 60, "Temperature": 1,
         "ModeRadius": null, "CodebookSeed": 0}
        """;

    [TestMethod]
    public void ARunJsonOfThePreviousVersionResumes()
    {
        string dir = Path.Combine(_root, "old");
        var run = Train(dir, "--height", "4");
        run["Environment"] = JsonNode.Parse(LegacyEnvironment);
        File.WriteAllText(Path.Combine(dir, "run.json"), run.ToJsonString());

        var result = CliHarness.RunInProcess("train", "--resume", dir, "--iterations", "4");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.Contains("hypergrid(ndim=2, height=4", result.StdOut);
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json")))!;
        Assert.AreEqual(4L, (long)metrics["final"]!["iteration"]!);
    }

    [TestMethod]
    [DataRow("\"Env\": \"hypergrid\"", "\"Env\": \"nope\"", "run.json has Environment.Env 'nope'; it must be one of: hypergrid, sequence, qm9, dag, bitseq (as --env).")]
    [DataRow("\"Height\": 4", "\"Height\": 1", "run.json: Environment.Parameters.height must be an integer in 2..1048576; got '1'.")]
    public void ARunJsonOfThePreviousVersionIsValidatedToo(string field, string edited, string expected)
    {
        string dir = Path.Combine(_root, "old");
        var run = Train(dir, "--height", "4");
        run["Environment"] = JsonNode.Parse(LegacyEnvironment.Replace(field, edited, StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(dir, "run.json"), run.ToJsonString());

        var result = CliHarness.RunInProcess("train", "--resume", dir, "--iterations", "4");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.HasCount(1, result.ErrorLines, result.StdErr);
        Assert.AreEqual($"gflownet train: --resume '{dir}': {expected}", result.ErrorLines[0]);
    }
}
