using System.Runtime.InteropServices;
using System.Text;

namespace GFlowNetML.Cli.Tests;

/// <summary>SIGTERM and SIGHUP stop a real <c>gflownet train</c> process as Ctrl+C does: at the next iteration, with the
/// final checkpoint and metrics.json of the iterations so far written, and exit code 130.</summary>
[TestClass]
public sealed class SignalTests
{
    private const int SigHup = 1, SigTerm = 15;
    private string _root = "";

    [TestInitialize]
    public void CreateRoot() => _root = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteRoot() => CliHarness.DeleteQuietly(_root);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>A train of 100,000 iterations into <paramref name="outDir"/>, checkpointing every 10.</summary>
    private static string[] LongTrain(string outDir) => ["train", "--env", "hypergrid", "--ndim", "2", "--height", "6", "--method", "tb",
        "--iterations", "100000", "--batch-size", "16", "--eval-every", "10", "--checkpoint-every", "10", "--out", outDir, .. CliHarness.SmallNetworks];

    /// <summary>Starts <see cref="LongTrain"/> as a child process and returns it once its first checkpoint is complete
    /// (fails the test if none comes within 60 s).</summary>
    private static System.Diagnostics.Process StartLongTrain(string outDir, StringBuilder output)
    {
        var process = CliHarness.Start(output, LongTrain(outDir));
        string checkpoint = CheckpointFile.PathIn(outDir);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (CheckpointFile.TryReadIteration(checkpoint) is null)
        {
            if (process.HasExited) Assert.Fail($"train ended (exit {process.ExitCode}) before its first checkpoint:\n{output}");
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) { process.Kill(entireProcessTree: true); Assert.Fail($"no checkpoint within 60 s:\n{output}"); }
            Thread.Sleep(5);
        }
        return process;
    }

    [TestMethod]
    [DataRow(SigTerm)]
    [DataRow(SigHup)]
    [Timeout(120_000, CooperativeCancellation = true)]
    public void ASignalStopsTrainAtTheNextIterationAndKeepsWhatItDid(int signal)
    {
        string outDir = Path.Combine(_root, "run");
        var output = new StringBuilder();
        using var process = StartLongTrain(outDir, output);
        string checkpoint = CheckpointFile.PathIn(outDir);
        Assert.AreEqual(0, Kill(process.Id, signal), "kill()");
        Assert.IsTrue(process.WaitForExit(TimeSpan.FromSeconds(30)), $"train did not stop after signal {signal}:\n{output}");
        process.WaitForExit();
        Assert.AreEqual(130, process.ExitCode, output.ToString());
        var metrics = Metrics.Read(outDir);
        Assert.IsFalse((bool)metrics["completed"]!, "metrics.json says the run did not complete");
        long iteration = (long)metrics["final"]!["iteration"]!;
        Assert.IsTrue(iteration is > 0 and < 100000, $"stopped at iteration {iteration}");
        Assert.AreEqual(iteration, CheckpointFile.ReadValidIteration(checkpoint), "the final checkpoint is at the iteration it stopped at");
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public void ASecondRunOnAFolderInUseIsRefusedWithOneLineNamingTheFolderAndTheProcess()
    {
        string outDir = Path.Combine(_root, "shared");
        var output = new StringBuilder();
        using var first = StartLongTrain(outDir, output);
        string checkpoint = CheckpointFile.PathIn(outDir);
        string runJson = File.ReadAllText(Path.Combine(outDir, "run.json"));
        var (code, second) = CliHarness.RunChild(TimeSpan.FromSeconds(60), [.. LongTrain(outDir).Select(a => a == "100000" ? "5" : a)]);
        var (resumeCode, resume) = CliHarness.RunChild(TimeSpan.FromSeconds(60), "train", "--resume", outDir);
        first.Kill(entireProcessTree: true);
        first.WaitForExit();

        Assert.AreEqual(2, code, second);
        var lines = second.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.HasCount(1, lines, second);
        Assert.AreEqual($"[stderr] gflownet train: --out '{outDir}' is in use by process {first.Id} (another gflownet run writes there); wait for it to end or choose another folder.", lines[0]);
        Assert.AreEqual(2, resumeCode, resume);
        StringAssert.Contains(resume, $"--resume '{outDir}' is in use by process {first.Id}");
        Assert.AreEqual(runJson, File.ReadAllText(Path.Combine(outDir, "run.json")), "the running run's settings were not overwritten");
    }
}
