using System.Text.Json.Nodes;

namespace GFlowNetML.Cli.Tests;

/// <summary>A run that diverges ends in one line naming the iteration, what blew up and the option to lower (exit 1), with
/// metrics.json holding the evaluations so far (status "diverged") and the last good checkpoint kept.</summary>
[TestClass]
public sealed class DivergenceTests
{
    private string _dir = "";

    [TestInitialize]
    public void CreateDir() => _dir = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteDir() => CliHarness.DeleteQuietly(_dir);

    private static string[] Train(string outDir, string method, params string[] extra)
        => ["train", "--env", "hypergrid", "--height", "6", "--method", method, "--batch-size", "8",
            "--eval-every", "5", "--seed", "1", "--out", outDir, .. CliHarness.SmallNetworks, .. extra];

    [TestMethod]
    [DataRow("tb", "--lr", "1e30", "the forward policy network's weights grew to 1E+30; lower --lr (now 1E+30).")]
    [DataRow("tb", "--lr-logz", "1e30", "log Z became 1E+30; lower --lr-logz (now 1E+30).")]
    [DataRow("rl-u", "--lr-critic", "1e30", "the critic network's weights grew to 1E+30; lower --lr-critic (now 1E+30).")]
    [DataRow("db", "--lr", "1e6", "log Z (the flow network's F(s0)) became")] // DB's log Z is read off its flow network
    public void AHugeRateEndsInOneLineNamingTheOptionWithTheMetricsSoFar(string method, string option, string value, string expected)
    {
        var result = CliHarness.RunInProcess(Train(_dir, method, "--iterations", "20", option, value));

        Assert.AreEqual(1, result.ExitCode, result.ToString());
        Assert.HasCount(1, result.ErrorLines, result.ToString());
        Assert.StartsWith("gflownet train: training diverged at iteration 1: ", result.ErrorLines[0]);
        Assert.Contains(expected, result.ErrorLines[0]);
        Assert.Contains($"The evaluations up to iteration 0 are in {Path.Combine(_dir, "metrics.json")} (status \"diverged\").", result.ErrorLines[0]);

        var metrics = Metrics.Read(_dir);
        Assert.AreEqual("diverged", (string?)metrics["status"]);
        Assert.IsFalse((bool)metrics["completed"]!);
        Assert.AreEqual(1, (long)metrics["failure"]!["iteration"]!);
        StringAssert.StartsWith((string?)metrics["failure"]!["message"], "training diverged at iteration 1");
        Assert.HasCount(1, metrics["history"]!.AsArray(), "the untrained evaluation, made before the divergence");
    }

    [TestMethod]
    public void DivergenceMidRunKeepsTheLastGoodCheckpointAndTheHistory()
    {
        var first = CliHarness.RunInProcess(Train(_dir, "tb", "--iterations", "10", "--checkpoint-every", "5"));
        Assert.AreEqual(0, first.ExitCode, first.ToString());
        // The checkpoint's own options are what --resume continues with: raise its learning rate (checksum recomputed).
        string checkpoint = CheckpointFile.PathIn(_dir);
        CheckpointFile.EditHeader(checkpoint, h => h["Options"]!["PolicyLearningRate"] = 1e30);

        var resumed = CliHarness.RunInProcess("train", "--resume", _dir, "--iterations", "20");

        Assert.AreEqual(1, resumed.ExitCode, resumed.ToString());
        Assert.HasCount(1, resumed.ErrorLines, resumed.ToString());
        Assert.Contains("training diverged at iteration 11: the forward policy network's weights grew to", resumed.ErrorLines[0]);
        Assert.Contains("the last good checkpoint (iteration 10) is kept for --resume.", resumed.ErrorLines[0]);
        Assert.AreEqual(10, CheckpointFile.ReadValidIteration(checkpoint), "the diverged state is never checkpointed");
        var metrics = Metrics.Read(_dir);
        Assert.AreEqual("diverged", (string?)metrics["status"]);
        CollectionAssert.AreEqual(new long[] { 0, 5, 10 }, metrics["history"]!.AsArray().Select(h => (long)h!["iteration"]!).ToArray());
    }

    [TestMethod]
    public void ResumeFromACheckpointWithNonFiniteWeightsIsRefusedInOneLine()
    {
        var first = CliHarness.RunInProcess(Train(_dir, "tb", "--iterations", "5", "--checkpoint-every", "5"));
        Assert.AreEqual(0, first.ExitCode, first.ToString());
        string checkpoint = CheckpointFile.PathIn(_dir);
        CheckpointFile.EditHeader(checkpoint, h => { }); // round-trip first: the edit helper must keep the file valid
        Assert.AreEqual(5, CheckpointFile.ReadValidIteration(checkpoint));
        byte[] bytes = File.ReadAllBytes(checkpoint);
        // Poison the first float of the tensor section's first array (the logZ group sorts first: "logZ" < "objective…").
        int at = bytes.Length - 32 - CheckpointFile.TensorBytes(checkpoint).Length;
        using (var reader = new BinaryReader(new MemoryStream(bytes, at, bytes.Length - at - 32)))
        {
            reader.ReadInt32();           // groups
            string name = reader.ReadString();
            Assert.AreEqual("logZ", name);
            reader.ReadInt32();           // arrays
            reader.ReadInt32();           // length
            at += (int)reader.BaseStream.Position;
        }
        BitConverter.TryWriteBytes(bytes.AsSpan(at, 4), float.NaN);
        System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).CopyTo(bytes, bytes.Length - 32);
        File.WriteAllBytes(checkpoint, bytes);

        var resumed = CliHarness.RunInProcess("train", "--resume", _dir, "--iterations", "10");

        Assert.AreEqual(2, resumed.ExitCode, resumed.ToString());
        Assert.HasCount(1, resumed.ErrorLines, resumed.ToString());
        Assert.Contains("holds a diverged run (log Z became NaN)", resumed.ErrorLines[0]);
    }
}
