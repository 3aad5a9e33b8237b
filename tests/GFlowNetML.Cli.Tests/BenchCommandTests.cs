using System.Text.Json;

namespace GFlowNetML.Cli.Tests;

/// <summary><c>gflownet bench</c>: a tiny benchmark runs and reports; a bad list option is a one-line usage error.</summary>
[TestClass]
public sealed class BenchCommandTests
{
    [TestMethod]
    public void TinyBenchExitsWithZeroAndWritesOneRow()
    {
        string dir = CliHarness.TempDirectory();
        try
        {
            string outPath = Path.Combine(dir, "bench.json");

            var result = CliHarness.RunInProcess("bench", "--iterations", "3", "--heights", "4", "--methods", "tb", "--batch-size", "16", "--out", outPath);

            Assert.AreEqual(0, result.ExitCode, result.ToString());
            Assert.AreEqual("", result.StdErr);
            Assert.Contains("D=2 H=4", result.StdOut);
            using var rows = JsonDocument.Parse(File.ReadAllText(outPath));
            Assert.AreEqual(1, rows.RootElement.GetArrayLength());
            var row = rows.RootElement[0];
            Assert.AreEqual(4, row.GetProperty("height").GetInt32());
            Assert.AreEqual("tb", row.GetProperty("method").GetString());
            Assert.AreEqual(3, row.GetProperty("iterations").GetInt32());
            Assert.AreEqual(16, row.GetProperty("batchSize").GetInt32());
            Assert.IsGreaterThan(0.0, row.GetProperty("wallMsPerIteration").GetDouble());
            Assert.IsGreaterThan(0.0, row.GetProperty("floorMsPerIteration").GetDouble());
            // A trajectory on the 4×4 grid takes 1 to 7 steps.
            double length = row.GetProperty("meanTrajectoryLength").GetDouble();
            Assert.IsTrue(length is >= 1 and <= 7, $"mean trajectory length {length}");
        }
        finally
        {
            CliHarness.DeleteQuietly(dir);
        }
    }

    [TestMethod]
    [DataRow("--heights 1", "gflownet bench: --heights must be a comma-separated list of integers of at least 2; got '1'.")]
    [DataRow("--heights 8,x", "gflownet bench: --heights must be a comma-separated list of integers of at least 2; got 'x'.")]
    [DataRow("--heights ,", "gflownet bench: --heights must be a non-empty comma-separated list of integers of at least 2.")]
    [DataRow("--methods foo", "gflownet bench: --methods must be a comma-separated list of method names (rl-u, rl-b, rl-g, rl-t, rl-t-b, tb, tb-b, db, db-b, subtb, subtb-b, fm); got 'foo'.")]
    [DataRow("--iterations 0", "gflownet bench: --iterations must be an integer of at least 1; got '0'.")]
    [DataRow("--sed 1", "gflownet bench: Unknown option --sed for 'bench'; did you mean --seed?")]
    public void BadBenchOptionExitsWithCode2AndOneLine(string overrides, string message)
    {
        var options = new Dictionary<string, string> { ["--iterations"] = "1", ["--heights"] = "4", ["--methods"] = "tb", ["--batch-size"] = "4" };
        var tokens = overrides.Split(' ');
        options[tokens[0]] = tokens[1];

        var result = CliHarness.RunInProcess(["bench", .. options.SelectMany(o => new[] { o.Key, o.Value })]);

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.HasCount(1, result.ErrorLines, result.StdErr);
        Assert.AreEqual(message, result.ErrorLines[0]);
    }
}
