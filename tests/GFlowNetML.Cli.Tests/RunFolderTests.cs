namespace GFlowNetML.Cli.Tests;

/// <summary>One run per folder: <c>train --out</c> refuses a folder holding another run unless <c>--force</c>, and
/// <c>--resume</c> refuses a folder whose run.json and checkpoint belong to different runs.</summary>
[TestClass]
public sealed class RunFolderTests
{
    private string _dir = "";

    [TestInitialize]
    public void CreateDir() => _dir = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteDir() => CliHarness.DeleteQuietly(_dir);

    private string[] Train(string method, long seed, params string[] extra)
        => ["train", "--env", "hypergrid", "--height", "4", "--method", method, "--iterations", "4", "--batch-size", "4",
            "--eval-every", "2", "--seed", seed.ToString(), "--out", _dir, "--checkpoint-every", "2", .. CliHarness.SmallNetworks, .. extra];

    [TestMethod]
    public void AFolderHoldingAnotherRunIsRefusedUnlessForced()
    {
        Assert.AreEqual(0, CliHarness.RunInProcess(Train("tb", 1)).ExitCode);
        string before = File.ReadAllText(Path.Combine(_dir, "run.json"));

        var refused = CliHarness.RunInProcess(Train("rl-u", 2));

        Assert.AreEqual(2, refused.ExitCode, refused.ToString());
        Assert.HasCount(1, refused.ErrorLines, refused.ToString());
        Assert.AreEqual($"gflownet train: --out '{_dir}' holds another run (run.json, metrics.json, checkpoint.gfn); continue it with --resume '{_dir}', replace it with --force, or choose another folder.",
            refused.ErrorLines[0]);
        Assert.AreEqual(before, File.ReadAllText(Path.Combine(_dir, "run.json")), "the refused run touched nothing");

        var forced = CliHarness.RunInProcess(Train("rl-u", 2, "--force"));

        Assert.AreEqual(0, forced.ExitCode, forced.ToString());
        Assert.AreEqual("rl-u", (string?)Metrics.Read(_dir)["method"]);
        Assert.AreEqual(4, CheckpointFile.ReadValidIteration(CheckpointFile.PathIn(_dir)));
        var resumed = CliHarness.RunInProcess("train", "--resume", _dir, "--iterations", "6");
        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        Assert.Contains("rl-u", resumed.StdOut);
    }

    [TestMethod]
    public void ResumeRefusesARunJsonAndCheckpointOfDifferentRuns()
    {
        Assert.AreEqual(0, CliHarness.RunInProcess(Train("tb", 1)).ExitCode);
        string checkpoint = File.ReadAllText(CheckpointFile.PathIn(_dir), System.Text.Encoding.Latin1);
        string other = Path.Combine(_dir, "other");
        Assert.AreEqual(0, CliHarness.RunInProcess([.. Train("tb", 7).Select(a => a == _dir ? other : a)]).ExitCode);
        File.Copy(Path.Combine(other, "run.json"), Path.Combine(_dir, "run.json"), overwrite: true); // the folder now mixes two runs

        var result = CliHarness.RunInProcess("train", "--resume", _dir, "--iterations", "6");

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.HasCount(1, result.ErrorLines, result.ToString());
        Assert.AreEqual($"gflownet train: --resume '{_dir}' mixes two runs: run.json describes tb seed 7, but checkpoint.gfn holds tb seed 1; start again into a fresh folder (or with --force).",
            result.ErrorLines[0]);
        Assert.AreEqual(checkpoint, File.ReadAllText(CheckpointFile.PathIn(_dir), System.Text.Encoding.Latin1), "the checkpoint is untouched");
    }

    [TestMethod]
    public void ResumeTrainsWithTheCheckpointsOptionsAndReadsOnlyTheRunsIdentityFromRunJson()
    {
        Assert.AreEqual(0, CliHarness.RunInProcess(Train("rl-u", 5)).ExitCode);
        string copy = Path.Combine(_dir, "copy");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(_dir)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        string runJson = Path.Combine(copy, "run.json");
        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(runJson))!.AsObject();
        var trainer = root["Trainer"]!.AsObject();
        trainer["PolicyHiddenWidth"] = "not a width"; // the rest of run.json's copy is a record, not read on --resume
        trainer["BatchSize"] = -3;
        File.WriteAllText(runJson, root.ToJsonString());

        var expected = CliHarness.RunInProcess("train", "--resume", _dir, "--iterations", "6");
        var resumed = CliHarness.RunInProcess("train", "--resume", copy, "--iterations", "6");

        Assert.AreEqual(0, expected.ExitCode, expected.ToString());
        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        Metrics.AssertEqualExceptSeconds(Metrics.Read(_dir), Metrics.Read(copy), "resumed with run.json's other options edited");
        Assert.AreEqual(6, CheckpointFile.ReadValidIteration(CheckpointFile.PathIn(copy)));

        trainer["Method"] = "Bogus";
        File.WriteAllText(runJson, root.ToJsonString());
        var refused = CliHarness.RunInProcess("train", "--resume", copy, "--iterations", "8");
        Assert.AreEqual(2, refused.ExitCode, refused.ToString());
        Assert.HasCount(1, refused.ErrorLines, refused.ToString());
        Assert.AreEqual($"gflownet train: --resume '{copy}': run.json has Trainer.Method \"Bogus\"; it must be one of: PolicyGradientUniform, TrajectoryBalance, PolicyGradientBackward, PolicyGradientGuided, TrustRegion, DetailedBalance, SubTrajectoryBalance, FlowMatching.",
            refused.ErrorLines[0]);
    }
}
