using System.Globalization;
using GFlowNetML.Environments;

namespace GFlowNetML.Cli.Tests;

/// <summary>End to end through the command line: train --export, export --checkpoint, sample, and their usage errors.</summary>
[TestClass]
public sealed class ExportAndSampleTests
{
    private string _root = "";

    [TestInitialize]
    public void CreateRoot() => _root = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteRoot() => CliHarness.DeleteQuietly(_root);

    private (string RunDir, string Model) TrainAndExport()
    {
        string run = Path.Combine(_root, "run"), model = Path.Combine(_root, "trained.onnx");
        var result = CliHarness.RunInProcess(["train", "--ndim", "2", "--height", "6", "--method", "tb", "--iterations", "12", "--batch-size", "16",
            "--seed", "4", "--eval-every", "6", "--checkpoint-every", "6", "--out", run, "--export", model, .. CliHarness.SmallNetworks]);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        StringAssert.Contains(result.StdOut, $"Exported the tb policy (");
        StringAssert.Contains(result.StdOut, $"iteration 12, exact TV ");
        Assert.IsTrue(File.Exists(model));
        return (run, model);
    }

    [TestMethod]
    public void TrainExport_ExportFromCheckpoint_AndSample_EndToEnd()
    {
        var (run, trained) = TrainAndExport();
        string exported = Path.Combine(_root, "out", "exported.onnx");
        var export = CliHarness.RunInProcess("export", "--checkpoint", run, "--out", exported);
        Assert.AreEqual(0, export.ExitCode, export.ToString());
        CollectionAssert.AreEqual(File.ReadAllBytes(trained), File.ReadAllBytes(exported), "the checkpoint of the last iteration exports the same model as train --export");

        string csv = Path.Combine(_root, "samples.csv");
        var sample = CliHarness.RunInProcess("sample", "--model", exported, "-n", "3000", "--seed", "7", "--device", "auto", "--out", csv);
        Assert.AreEqual(0, sample.ExitCode, sample.ToString());
        Assert.AreEqual("", sample.StdErr, "nothing on stderr, not even from the CUDA attempt");
        // On the CPU, auto runs the host-driven loop (as fast or faster there); whole trajectories are the CUDA default.
        StringAssert.Contains(sample.StdOut, "Sampled 3000 objects from hypergrid(ndim=2, height=6, r0=0.01, r1=0.5, r2=2) (host-driven) on CPU");
        StringAssert.Contains(sample.StdOut, " samples/s; wrote " + csv);

        var lines = File.ReadAllLines(csv);
        Assert.AreEqual("object,log_probability,log_reward", lines[0]);
        Assert.HasCount(3001, lines);
        var grid = new HyperGrid(2, 6);
        var logReward = new double[1];
        foreach (var line in lines.Skip(1))
        {
            // "(x, y)",logp,logr
            int close = line.IndexOf("\",", StringComparison.Ordinal);
            var cell = line[2..(close - 1)].Split(", ").Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var numbers = line[(close + 2)..].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.IsTrue(cell.All(x => x is >= 0 and < 6), line);
            grid.LogReward(cell, logReward);
            Assert.AreEqual(logReward[0], numbers[1], 0, line);
            Assert.IsTrue(numbers[0] <= 0 && double.IsFinite(numbers[0]), line);
        }

        string again = Path.Combine(_root, "again.csv"), host = Path.Combine(_root, "host.csv");
        Assert.AreEqual(0, CliHarness.RunInProcess("sample", "--model", exported, "--samples", "3000", "--seed", "7", "--out", again, "--batch-size", "100", "--device", "cpu").ExitCode);
        CollectionAssert.AreEqual(lines, File.ReadAllLines(again), "same seed, same samples (whatever the batch size)");
        var hostRun = CliHarness.RunInProcess("sample", "--model", exported, "-n", "500", "--seed", "7", "--out", host, "--mode", "host", "--device", "cpu");
        Assert.AreEqual(0, hostRun.ExitCode, hostRun.ToString());
        StringAssert.Contains(hostRun.StdOut, "(host-driven) on CPU — CPU (requested)");
        Assert.HasCount(501, File.ReadAllLines(host));
        string whole = Path.Combine(_root, "whole.csv");
        var wholeRun = CliHarness.RunInProcess("sample", "--model", exported, "-n", "3000", "--seed", "7", "--out", whole, "--mode", "whole", "--device", "cpu");
        Assert.AreEqual(0, wholeRun.ExitCode, wholeRun.ToString());
        StringAssert.Contains(wholeRun.StdOut, "(whole-trajectory) on CPU");
        CollectionAssert.AreEqual(lines.Select(Object).ToArray(), File.ReadAllLines(whole).Select(Object).ToArray(),
            "both modes read the same per-sample uniforms: the same objects");

        static string Object(string line) => line[..(line.IndexOf("\",", StringComparison.Ordinal) + 1)];
    }

    private static void AssertUsageError(CliResult result, string command, params string[] fragments)
    {
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        var lines = result.ErrorLines;
        Assert.HasCount(1, lines, result.ToString());
        StringAssert.StartsWith(lines[0], $"gflownet {command}: ");
        foreach (var f in fragments) StringAssert.Contains(lines[0], f);
    }

    [TestMethod]
    public void Sample_UsageErrors_AreOneLineWithExitCode2()
    {
        string csv = Path.Combine(_root, "s.csv"), missing = Path.Combine(_root, "missing.onnx");
        string bad = Path.Combine(_root, "bad.onnx");
        File.WriteAllBytes(bad, [1, 2, 3, 4, 5]);
        AssertUsageError(CliHarness.RunInProcess("sample", "-n", "5", "--out", csv), "sample", "--model is required");
        AssertUsageError(CliHarness.RunInProcess("sample", "--model", missing, "--out", csv), "sample", "-n (--samples) is required");
        AssertUsageError(CliHarness.RunInProcess("sample", "--model", missing, "-n", "0", "--out", csv), "sample", "--samples must be an integer of at least 1; got '0'");
        AssertUsageError(CliHarness.RunInProcess("sample", "--model", missing, "-n", "5"), "sample", "--out is required");
        AssertUsageError(CliHarness.RunInProcess("sample", "--model", missing, "-n", "5", "--out", csv, "--device", "gpu"), "sample", "--device must be one of: auto, cpu, cuda; got 'gpu'");
        AssertUsageError(CliHarness.RunInProcess("sample", "--model", missing, "-n", "5", "--out", csv, "--mode", "fast"), "sample", "--mode must be one of: auto, whole, host; got 'fast'");
        AssertUsageError(CliHarness.RunInProcess("sample", "--model", missing, "-n", "5", "--out", csv), "sample", $"--model '{missing}' does not exist");
        AssertUsageError(CliHarness.RunInProcess("sample", "--model", bad, "-n", "5", "--out", csv), "sample", $"'{bad}' is not a usable GFlowNetML sampler model: it is not a valid ONNX model");
        AssertUsageError(CliHarness.RunInProcess("sample", "--model", bad, "-n", "5", "--out", _root), "sample", $"--out '{_root}' is a folder");
        AssertUsageError(CliHarness.RunInProcess("sample", "--model", bad, "-n", "5", "--out", csv, "--temperature", "2"), "sample", "Unknown option --temperature for 'sample'");
        AssertUsageError(CliHarness.RunInProcess("sample", "--model", bad, "-n", "5", "--out", bad), "sample", $"--out '{bad}' is the --model file; writing the samples there would destroy the model.");
        Assert.AreEqual(5, File.ReadAllBytes(bad).Length, "the model file is untouched");
        AssertUsageError(CliHarness.RunInProcess("sample", "--model", bad, "-n", "5", "--out", csv, "--batch-size", "2000000"), "sample", "--batch-size must be an integer in 1..1048576; got '2000000'");
        Assert.IsFalse(File.Exists(csv));
    }

    [TestMethod]
    public void Sample_OnCuda_WithoutCuda_IsAClearError()
    {
        var (_, model) = TrainAndExport();
        var result = CliHarness.RunInProcess("sample", "--model", model, "-n", "5", "--out", Path.Combine(_root, "s.csv"), "--device", "cuda");
        if (result.ExitCode == 0) Assert.Inconclusive("This machine has CUDA.");
        AssertUsageError(result, "sample", $"CUDA was requested but no CUDA session could be opened for '{model}': ");
    }

    [TestMethod]
    public void Export_UsageErrors_AreOneLineWithExitCode2()
    {
        string empty = Path.Combine(_root, "empty");
        Directory.CreateDirectory(empty);
        string model = Path.Combine(_root, "m.onnx");
        AssertUsageError(CliHarness.RunInProcess("export", "--out", model), "export", "--checkpoint is required");
        AssertUsageError(CliHarness.RunInProcess("export", "--checkpoint", empty), "export", "--out is required");
        AssertUsageError(CliHarness.RunInProcess("export", "--checkpoint", Path.Combine(_root, "nope"), "--out", model), "export", "is not a folder");
        AssertUsageError(CliHarness.RunInProcess("export", "--checkpoint", empty, "--out", model), "export", $"--checkpoint '{empty}' holds no checkpoint.gfn");
        AssertUsageError(CliHarness.RunInProcess("train", "--ndim", "2", "--height", "4", "--iterations", "1", "--out", Path.Combine(_root, "r"), "--export", empty), "train", $"--export '{empty}' is a folder");
        Assert.IsFalse(File.Exists(model));
    }
}
