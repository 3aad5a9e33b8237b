namespace GFlowNetML.Cli.Tests;

/// <summary><c>gflownet train --resume DIR</c> on a folder that cannot be resumed is a one-line usage error (exit 2).</summary>
[TestClass]
public sealed class ResumeUsageErrorTests
{
    private string _root = "";

    [TestInitialize]
    public void CreateRoot() => _root = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteRoot() => CliHarness.DeleteQuietly(_root);

    private static void AssertOneLine(CliResult result, string expected)
    {
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.HasCount(1, result.ErrorLines, result.StdErr);
        Assert.AreEqual(expected, result.ErrorLines[0]);
    }

    /// <summary>A finished tiny run into <paramref name="dir"/>, with or without checkpoints.</summary>
    private static void TinyRun(string dir, bool checkpoints)
    {
        string[] args = ["train", "--ndim", "2", "--height", "4", "--method", "tb", "--iterations", "2", "--batch-size", "4",
            "--eval-every", "1", "--out", dir, .. CliHarness.SmallNetworks, .. checkpoints ? new[] { "--checkpoint-every", "1" } : []];
        var result = CliHarness.RunInProcess(args);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
    }

    [TestMethod]
    public void FolderWithoutRunJson()
    {
        string dir = Path.Combine(_root, "empty");
        Directory.CreateDirectory(dir);

        var result = CliHarness.RunInProcess("train", "--resume", dir);

        AssertOneLine(result, $"gflownet train: --resume '{dir}' holds no run.json; pass the --out folder of a run started with --checkpoint-every.");
    }

    [TestMethod]
    public void FolderThatDoesNotExist()
    {
        string dir = Path.Combine(_root, "missing");

        var result = CliHarness.RunInProcess("train", "--resume", dir);

        AssertOneLine(result, $"gflownet train: --resume '{dir}' holds no run.json; pass the --out folder of a run started with --checkpoint-every.");
        Assert.IsFalse(Directory.Exists(dir));
    }

    [TestMethod]
    public void RunWithoutCheckpoint()
    {
        string dir = Path.Combine(_root, "run");
        TinyRun(dir, checkpoints: false);
        Assert.IsTrue(File.Exists(Path.Combine(dir, "run.json")));
        Assert.IsFalse(File.Exists(CheckpointFile.PathIn(dir)));

        var result = CliHarness.RunInProcess("train", "--resume", dir);

        AssertOneLine(result, $"gflownet train: --resume '{dir}' holds no checkpoint; the run must have been started with --checkpoint-every.");
    }

    [TestMethod]
    public void ResumeRejectsOptionsOtherThanIterationsAndThreads()
    {
        string dir = Path.Combine(_root, "run");
        TinyRun(dir, checkpoints: true);

        var result = CliHarness.RunInProcess("train", "--resume", dir, "--seed", "1");

        AssertOneLine(result, "gflownet train: --seed cannot be used with --resume; allowed there: --resume, --iterations, --threads, --export, --plot.");
    }

    [TestMethod]
    [DataRow("\"Threads\": 1,", "\"Threads\": -3,", "run.json has Threads -3; it must be in 1..256 (as --threads).")]
    [DataRow("\"Env\": \"hypergrid\"", "\"Env\": \"nope\"", "run.json has Environment.Env 'nope'; it must be one of: hypergrid, sequence, qm9, dag, bitseq (as --env).")]
    [DataRow("\"height\": 4", "\"height\": -4", "run.json: Environment.Parameters.height must be an integer in 2..1048576; got '-4'.")]
    [DataRow("\"height\": 4", "\"height\": 4.5", "run.json: Environment.Parameters.height must be an integer in 2..1048576; got '4.5'.")]
    [DataRow("\"height\": 4", "\"height\": 4, \"tokens\": 4", "run.json: Environment.Parameters.tokens is not a parameter of hypergrid; its parameters are: ndim, height, r0, r1, r2.")]
    [DataRow("\"height\": 4", "\"height\": \"tall\"", "run.json: Environment.Parameters.height must be an integer in 2..1048576; got 'tall'.")]
    [DataRow("\"Threads\": 1,", "\"Threads\": \"one\",", "run.json has no integer Threads; it must be in 1..256 (as --threads).")]
    public void AnEditedRunJsonIsValidatedLikeTheCommandLineBeforeAnythingNative(string field, string edited, string expected)
    {
        string dir = Path.Combine(_root, "run");
        TinyRun(dir, checkpoints: true);
        string path = Path.Combine(dir, "run.json"), text = File.ReadAllText(path);
        Assert.Contains(field, text);
        File.WriteAllText(path, text.Replace(field, edited, StringComparison.Ordinal)); // a thread count of -3 once aborted libtorch (exit 134)

        var result = CliHarness.RunInProcess("train", "--resume", dir, "--iterations", "4");

        AssertOneLine(result, $"gflownet train: --resume '{dir}': {expected}");
    }

    [TestMethod]
    public void ResumeRejectsZeroIterations()
    {
        string dir = Path.Combine(_root, "run");
        TinyRun(dir, checkpoints: true);

        var result = CliHarness.RunInProcess("train", "--resume", dir, "--iterations", "0");

        AssertOneLine(result, "gflownet train: --iterations must be an integer of at least 1; got '0'.");
    }

    [TestMethod]
    public void UnreadableRunJsonIsAUsageErrorNotACrash()
    {
        string dir = Path.Combine(_root, "run");
        TinyRun(dir, checkpoints: true);
        File.WriteAllText(Path.Combine(dir, "run.json"), "{not json");

        CliResult? result = null;
        try { result = CliHarness.RunInProcess("train", "--resume", dir); }
        catch (Exception e) { Assert.Fail($"gflownet train --resume crashed on a damaged run.json instead of exiting with code 2: {e.GetType().FullName}: {e.Message}"); }

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.HasCount(1, result.ErrorLines, result.StdErr);
        Assert.StartsWith("gflownet train: ", result.ErrorLines[0]);
        Assert.Contains("run.json", result.ErrorLines[0]);
    }

    [TestMethod]
    public void FewerIterationsThanTheCheckpointAreRefused()
    {
        string dir = Path.Combine(_root, "run");
        TinyRun(dir, checkpoints: true);

        var result = CliHarness.RunInProcess("train", "--resume", dir, "--iterations", "1");

        AssertOneLine(result, "gflownet train: --iterations must be at least the checkpoint's iteration (2); got 1.");
    }

    [TestMethod]
    public void AFinishedRunCanBeExtendedFromItsFinalCheckpoint()
    {
        // Checkpoints every 3 iterations, 4 iterations: the run still ends with a checkpoint at 4.
        string dir = Path.Combine(_root, "run");
        string[] args = ["train", "--ndim", "2", "--height", "4", "--method", "tb", "--iterations", "4", "--batch-size", "4",
            "--eval-every", "1", "--checkpoint-every", "3", "--out", dir, .. CliHarness.SmallNetworks];
        Assert.AreEqual(0, CliHarness.RunInProcess(args).ExitCode);

        var result = CliHarness.RunInProcess("train", "--resume", dir, "--iterations", "6");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.Contains("resumed at iteration 4", result.StdOut);
    }
}
