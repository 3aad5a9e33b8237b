using System.Diagnostics;
using System.Text;

namespace GFlowNetML.Cli.Tests;

/// <summary>
/// A real <c>gflownet train</c> process killed with SIGKILL after a checkpoint, then continued with
/// <c>train --resume</c>, ends with the same metrics.json (every field but wall-clock seconds) and the same weights and
/// optimizer state as an uninterrupted run; the checkpoint on disk is complete and valid at every moment.
/// </summary>
[TestClass]
public sealed class KillAndResumeTests
{
    private const int Iterations = 300, CheckpointEvery = 10, KillAfter = 20;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private string _root = "";

    [TestInitialize]
    public void CreateRoot() => _root = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteRoot() => CliHarness.DeleteQuietly(_root);

    private static string[] TrainArgs(string method, string outDir) =>
    [
        "train", "--env", "hypergrid", "--ndim", "2", "--height", "6", "--r0", "0.01", "--method", method,
        "--iterations", Iterations.ToString(System.Globalization.CultureInfo.InvariantCulture), "--batch-size", "32", "--seed", "5",
        "--eval-every", "10", "--checkpoint-every", CheckpointEvery.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--out", outDir, "--threads", "1", .. CliHarness.SmallNetworks,
    ];

    [TestMethod]
    [DataRow("rl-u")]
    [DataRow("tb")]
    [Timeout(240_000, CooperativeCancellation = true)]
    public void KilledRunResumesToTheSameMetricsAsAnUninterruptedRun(string method)
    {
        string a = Path.Combine(_root, "A"), b = Path.Combine(_root, "B");
        string checkpoint = CheckpointFile.PathIn(a);

        // Run A until its checkpoint is at iteration ≥ 20, then SIGKILL it.
        var outputA = new StringBuilder();
        long killedAt;
        using (var process = CliHarness.Start(outputA, TrainArgs(method, a)))
        {
            var clock = Stopwatch.StartNew();
            long? seen = null;
            while (true)
            {
                long? now = CheckpointFile.TryReadIteration(checkpoint); // fails the test on a torn or corrupt file
                if (now is long n)
                {
                    Assert.IsTrue(seen is null || n >= seen, $"the checkpoint went back from {seen} to {n}");
                    Assert.AreEqual(0, n % CheckpointEvery, $"checkpoint at iteration {n}");
                    seen = n;
                    if (n >= KillAfter) break;
                }
                if (process.HasExited)
                    Assert.Fail($"run A ended (exit {process.ExitCode}) before a checkpoint at iteration {KillAfter} was seen (last {seen?.ToString() ?? "none"}):\n{outputA}");
                if (clock.Elapsed > Timeout) { process.Kill(entireProcessTree: true); Assert.Fail($"no checkpoint at iteration {KillAfter} within {Timeout}:\n{outputA}"); }
                Thread.Sleep(2);
            }
            process.Kill(entireProcessTree: true); // SIGKILL on Linux: no handler, no final save
            Assert.IsTrue(process.WaitForExit(TimeSpan.FromSeconds(30)), "the killed process did not exit");
            Assert.AreEqual(128 + 9, process.ExitCode, $"run A must have died of SIGKILL, not finished:\n{outputA}");
        }
        Assert.IsFalse(File.Exists(Path.Combine(a, "metrics.json")), $"run A was killed before it finished, so it wrote no metrics.json:\n{outputA}");
        killedAt = CheckpointFile.ReadValidIteration(checkpoint);
        Assert.IsTrue(killedAt >= KillAfter && killedAt < Iterations && killedAt % CheckpointEvery == 0, $"checkpoint at iteration {killedAt}");

        // Resume A while the uninterrupted run B goes on alongside (each on one thread).
        var outputB = new StringBuilder();
        using var runB = CliHarness.Start(outputB, TrainArgs(method, b));
        var (resumeCode, resumeOutput) = CliHarness.RunChild(Timeout, "train", "--resume", a);
        Assert.IsTrue(runB.WaitForExit(Timeout), $"run B did not finish:\n{outputB}");
        runB.WaitForExit();

        Assert.AreEqual(0, resumeCode, resumeOutput);
        Assert.Contains($"resumed at iteration {killedAt}", resumeOutput);
        Assert.AreEqual(0, runB.ExitCode, outputB.ToString());

        var metricsA = Metrics.Read(a);
        var metricsB = Metrics.Read(b);
        Metrics.AssertEqualExceptSeconds(metricsB, metricsA, $"{method}: killed at {killedAt} and resumed vs uninterrupted");
        Assert.AreEqual(Iterations, (long)metricsA["final"]!["iteration"]!);
        Assert.AreEqual(Iterations / 10 + 1, metricsA["history"]!.AsArray().Count, "one evaluation at 0 and every 10 iterations");
        Assert.IsTrue((bool?)metricsA["completed"]);

        // Wall-clock seconds carry over the resume: they never decrease along the history.
        var seconds = metricsA["history"]!.AsArray().Select(h => (double)h!["seconds"]!).ToArray();
        for (int i = 1; i < seconds.Length; i++) Assert.IsGreaterThanOrEqualTo(seconds[i - 1], seconds[i], $"history[{i}].seconds");

        // The final checkpoints are valid and hold identical weights and optimizer moments.
        Assert.AreEqual(Iterations, CheckpointFile.ReadValidIteration(checkpoint));
        Assert.AreEqual(Iterations, CheckpointFile.ReadValidIteration(CheckpointFile.PathIn(b)));
        CollectionAssert.AreEqual(CheckpointFile.TensorBytes(CheckpointFile.PathIn(b)), CheckpointFile.TensorBytes(checkpoint),
            "the resumed run ends with the same weights and optimizer state as the uninterrupted one");
    }
}
