namespace GFlowNetML.Cli.Tests;

/// <summary>
/// <c>train --resume</c> of a damaged checkpoint.gfn (a flipped byte, truncation, another file in its place) exits with
/// code 2 and one line saying the checkpoint is corrupt or not a GFlowNetML checkpoint, and leaves the file as it was.
/// </summary>
[TestClass]
public sealed class CorruptCheckpointTests
{
    private static string _pristine = "";
    private string _dir = "";

    /// <summary>One finished tb run (10 iterations, a checkpoint every 5), copied afresh for every test.</summary>
    [ClassInitialize]
    public static void MakeRun(TestContext _)
    {
        _pristine = CliHarness.TempDirectory();
        var result = CliHarness.RunInProcess(["train", "--ndim", "2", "--height", "4", "--method", "tb", "--iterations", "10",
            "--batch-size", "8", "--eval-every", "5", "--checkpoint-every", "5", "--seed", "1", "--out", _pristine, .. CliHarness.SmallNetworks]);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.AreEqual(10, CheckpointFile.ReadValidIteration(CheckpointFile.PathIn(_pristine)));
    }

    [ClassCleanup]
    public static void DeleteRun() => CliHarness.DeleteQuietly(_pristine);

    [TestInitialize]
    public void CopyRun()
    {
        _dir = CliHarness.TempDirectory();
        foreach (var file in Directory.GetFiles(_pristine)) File.Copy(file, Path.Combine(_dir, Path.GetFileName(file)));
    }

    [TestCleanup]
    public void DeleteCopy() => CliHarness.DeleteQuietly(_dir);

    private string Checkpoint => CheckpointFile.PathIn(_dir);

    private CliResult Resume()
    {
        byte[] before = File.ReadAllBytes(Checkpoint);
        string metricsBefore = File.ReadAllText(Path.Combine(_dir, "metrics.json"));
        var result = CliHarness.RunInProcess("train", "--resume", _dir, "--iterations", "15");
        if (result.ExitCode != 0)
        {
            CollectionAssert.AreEqual(before, File.ReadAllBytes(Checkpoint), "a failed resume must leave the checkpoint as it was");
            Assert.AreEqual(metricsBefore, File.ReadAllText(Path.Combine(_dir, "metrics.json")), "a failed resume must not rewrite metrics.json");
        }
        return result;
    }

    private static void AssertRejected(CliResult result, string fragment)
    {
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.HasCount(1, result.ErrorLines, result.StdErr);
        Assert.StartsWith("gflownet train: ", result.ErrorLines[0]);
        Assert.Contains(fragment, result.ErrorLines[0]);
    }

    [TestMethod]
    public void IntactCheckpointResumes()
    {
        var result = Resume();

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.Contains("resumed at iteration 10", result.StdOut);
        Assert.AreEqual(15, CheckpointFile.ReadValidIteration(Checkpoint));
        var metrics = Metrics.Read(_dir);
        Assert.AreEqual(15, Metrics.Number(metrics["final"]!["iteration"], "final.iteration"));
        CollectionAssert.AreEqual(new long[] { 0, 5, 10, 15 }, metrics["history"]!.AsArray().Select(h => (long)h!["iteration"]!).ToArray());
    }

    [TestMethod]
    [DataRow(0.5, DisplayName = "byte in the middle")]
    [DataRow(0.01, DisplayName = "byte in the header")]
    [DataRow(0.999, DisplayName = "byte in the checksum")]
    public void FlippedByteIsCorrupt(double where)
    {
        byte[] bytes = File.ReadAllBytes(Checkpoint);
        int at = Math.Max(12, (int)(where * bytes.Length)); // past the magic and version
        bytes[at] ^= 0x10;
        File.WriteAllBytes(Checkpoint, bytes);

        AssertRejected(Resume(), $"The checkpoint '{Checkpoint}' is corrupt (checksum mismatch).");
    }

    [TestMethod]
    public void TruncatedToHalfIsCorrupt()
    {
        byte[] bytes = File.ReadAllBytes(Checkpoint);
        File.WriteAllBytes(Checkpoint, bytes[..(bytes.Length / 2)]);

        AssertRejected(Resume(), "is corrupt (checksum mismatch)");
    }

    [TestMethod]
    public void LastByteMissingIsCorrupt()
    {
        byte[] bytes = File.ReadAllBytes(Checkpoint);
        File.WriteAllBytes(Checkpoint, bytes[..^1]);

        AssertRejected(Resume(), "is corrupt (checksum mismatch)");
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(5)]
    [DataRow(40)]
    public void TruncatedBelowTheSmallestCheckpointIsNotACheckpoint(int length)
    {
        byte[] bytes = File.ReadAllBytes(Checkpoint);
        File.WriteAllBytes(Checkpoint, bytes[..length]);

        AssertRejected(Resume(), $"'{Checkpoint}' is not a GFlowNetML checkpoint.");
    }

    [TestMethod]
    public void AnotherFileInItsPlaceIsNotACheckpoint()
    {
        File.Copy(Path.Combine(_dir, "metrics.json"), Checkpoint, overwrite: true);

        AssertRejected(Resume(), "is not a GFlowNetML checkpoint");
    }

    [TestMethod]
    public void NewerFormatVersionIsRejected()
    {
        CheckpointFile.WriteWithValidChecksum(Checkpoint, version: 3, headerJson: "{}");

        AssertRejected(Resume(), "has format version 3; this GFlowNetML reads versions up to 2.");
    }

    [TestMethod]
    public void IntactChecksumOverAMalformedHeaderIsAUsageErrorNotACrash()
    {
        CheckpointFile.WriteWithValidChecksum(Checkpoint, version: 1, headerJson: "{bad}");

        CliResult? result = null;
        try { result = Resume(); }
        catch (Exception e) { Assert.Fail($"gflownet train --resume crashed on a malformed checkpoint header instead of exiting with code 2: {e.GetType().FullName}: {e.Message}"); }

        AssertRejected(result, Checkpoint);
    }
}
