using System.Text.Json.Nodes;

namespace GFlowNetML.Cli.Tests;

/// <summary>The same seed gives the same metrics.json, field for field except wall-clock seconds; another seed does not.</summary>
[TestClass]
public sealed class DeterminismTests
{
    private string _root = "";

    [TestInitialize]
    public void CreateRoot() => _root = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteRoot() => CliHarness.DeleteQuietly(_root);

    private JsonObject Run(string method, long seed, string name)
    {
        string dir = Path.Combine(_root, name);
        var result = CliHarness.RunInProcess(["train", "--ndim", "2", "--height", "4", "--r0", "0.01", "--method", method,
            "--iterations", "20", "--batch-size", "16", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--eval-every", "5", "--out", dir, .. CliHarness.SmallNetworks]);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        return Metrics.Read(dir);
    }

    [TestMethod]
    [DataRow("rl-u")]
    [DataRow("tb")]
    public void SameSeedGivesIdenticalMetricsExceptSeconds(string method)
    {
        var first = Run(method, seed: 3, "first");
        var second = Run(method, seed: 3, "second");

        Metrics.AssertEqualExceptSeconds(first, second, $"{method}, seed 3 twice");
    }

    [TestMethod]
    [DataRow("rl-u")]
    [DataRow("tb")]
    public void DifferentSeedGivesDifferentMetrics(string method)
    {
        var a = Run(method, seed: 3, "seed3");
        var b = Run(method, seed: 4, "seed4");

        Assert.AreNotEqual(Metrics.Canonical(Metrics.WithoutSeconds(a)), Metrics.Canonical(Metrics.WithoutSeconds(b)));
        // Different initial weights already give a different untrained policy.
        Assert.AreNotEqual((double)a["history"]![0]!["exactTotalVariation"]!, (double)b["history"]![0]!["exactTotalVariation"]!);
        Assert.AreNotEqual((double)a["final"]!["exactTotalVariation"]!, (double)b["final"]!["exactTotalVariation"]!);
    }
}
