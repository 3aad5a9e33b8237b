using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace GFlowNetML.Cli.Tests;

/// <summary>
/// <c>gflownet tune --resume</c>: a real tune process killed with SIGKILL while a trial trains, then resumed, writes the
/// tune.json of an uninterrupted tune (every trial's status, iterations, metric, point and options; the best trial; the
/// iterations run and saved), the state file being valid JSON at every moment; a corrupt state or options file, and other
/// options beside --resume, are refused with one line.
/// </summary>
[TestClass]
public sealed class TuneResumeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private string _root = "";

    [TestInitialize]
    public void CreateRoot() => _root = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteRoot() => CliHarness.DeleteQuietly(_root);

    /// <summary>CFO with ASHA, 5 trials of 60 iterations on the 2 × 8 grid (seed 3), one trial at a time.</summary>
    private static string[] TuneArgs(string outDir, int trials = 5, int iterations = 60) =>
    [
        "tune", "--env", "hypergrid", "--ndim", "2", "--height", "8", "--method", "tb", "--iterations", iterations.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--batch-size", "16", "--eval-every", "10", "--seed", "3", "--tuner", "cfo", "--trials", trials.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "--exclude", "hidden-layers,HiddenWidth,batch-size", "--early-stopping", "asha", "--parallel", "1", "--threads", "1", "--out", outDir,
    ];

    /// <summary>The trials recorded in DIR/tune-state.json, or null when there is none yet; a torn file fails the test.</summary>
    private static int? RecordedTrials(string dir)
    {
        string path = Path.Combine(dir, "tune-state.json");
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
        return JsonNode.Parse(text)!["trials"]!.AsArray().Count; // throws (fails the test) on a torn write
    }

    /// <summary>tune.json without the wall-clock fields and the peak memory.</summary>
    private static string Canonical(string dir)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "tune.json")))!.AsObject();
        json.Remove("seconds");
        json.Remove("secondsSaved");
        foreach (var t in json["trials"]!.AsArray())
        {
            t!.AsObject().Remove("seconds");
            t.AsObject().Remove("peakMemoryInMegaByte");
        }
        return Metrics.Canonical(json);
    }

    [TestMethod]
    [Timeout(240_000, CooperativeCancellation = true)]
    public void AKilledTuneResumesToTheTrialsOfAnUninterruptedOne()
    {
        string a = Path.Combine(_root, "A"), b = Path.Combine(_root, "B");
        var outputA = new StringBuilder();
        int recordedAtKill;
        using (var process = CliHarness.Start(outputA, TuneArgs(a)))
        {
            var clock = Stopwatch.StartNew();
            bool triedTheLock = false;
            while (true)
            {
                int? recorded = RecordedTrials(a);
                if (!triedTheLock && File.Exists(Path.Combine(a, "tune-run.json"))) // written once the lock is held, before the first trial
                {
                    // The running tune holds its folder: a --resume meanwhile is refused, naming the folder and the process.
                    var refused = CliHarness.RunInProcess("tune", "--resume", a);
                    AssertOneLine(refused, 2, $"gflownet tune: --resume '{a}' is in use by process {process.Id} (another gflownet run writes there)");
                    triedTheLock = true;
                }
                if (recorded is >= 2) break;
                if (process.HasExited) Assert.Fail($"tune A ended (exit {process.ExitCode}) before 2 trials were recorded:\n{outputA}");
                if (clock.Elapsed > Timeout) { process.Kill(entireProcessTree: true); Assert.Fail($"no 2 trials recorded within {Timeout}:\n{outputA}"); }
                Thread.Sleep(2);
            }
            process.Kill(entireProcessTree: true); // SIGKILL: no handler, nothing written after the last finished trial
            Assert.IsTrue(process.WaitForExit(TimeSpan.FromSeconds(30)), "the killed process did not exit");
            Assert.AreEqual(128 + 9, process.ExitCode, $"tune A must have died of SIGKILL, not finished:\n{outputA}");
        }
        Assert.IsFalse(File.Exists(Path.Combine(a, "tune.json")), $"tune A was killed before it finished:\n{outputA}");
        recordedAtKill = RecordedTrials(a)!.Value;
        Assert.IsTrue(recordedAtKill is >= 2 and < 5, $"{recordedAtKill} trials recorded at the kill");

        var resumed = CliHarness.RunInProcess("tune", "--resume", a, "--parallel", "1");
        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        Assert.Contains($"Resumed: {recordedAtKill} trials restored from {Path.Combine(a, "tune-state.json")}, {5 - recordedAtKill} trained now.", resumed.StdOut);
        Assert.Contains("(restored)", resumed.StdOut);

        var uninterrupted = CliHarness.RunInProcess(TuneArgs(b));
        Assert.AreEqual(0, uninterrupted.ExitCode, uninterrupted.ToString());
        Assert.AreEqual(Canonical(b), Canonical(a), "killed and resumed vs uninterrupted");
        Assert.AreEqual(5, RecordedTrials(a));
        var trials = JsonNode.Parse(File.ReadAllText(Path.Combine(a, "tune.json")))!["trials"]!.AsArray();
        Assert.HasCount(5, trials);
        Assert.IsTrue(trials.All(t => t!["status"]!.GetValue<string>() is "succeeded" or "pruned"));
    }

    /// <summary>A finished two-trial tune of 10 iterations in DIR.</summary>
    private string FinishedTune()
    {
        string dir = Path.Combine(_root, "done");
        var result = CliHarness.RunInProcess(TuneArgs(dir, trials: 2, iterations: 10));
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        return dir;
    }

    private static void AssertOneLine(CliResult result, int exitCode, string start)
    {
        Assert.AreEqual(exitCode, result.ExitCode, result.ToString());
        Assert.HasCount(1, result.ErrorLines, result.StdErr);
        Assert.StartsWith(start, result.ErrorLines[0]);
    }

    [TestMethod]
    public void ACorruptStateIsRefusedWithOneLine()
    {
        string dir = FinishedTune();
        string state = Path.Combine(dir, "tune-state.json");
        string intact = File.ReadAllText(state);
        File.WriteAllText(state, intact[..(intact.Length / 2)]);
        var result = CliHarness.RunInProcess("tune", "--resume", dir);
        AssertOneLine(result, 2, $"gflownet tune: The tuning state {state} is corrupt: ");
        Assert.EndsWith("Delete it to start the tune over, or restore an intact copy.", result.ErrorLines[0]);

        File.WriteAllText(state, "[1, 2]");
        AssertOneLine(CliHarness.RunInProcess("tune", "--resume", dir), 2, $"gflownet tune: The tuning state {state} is corrupt: ");

        // Resuming the intact state of a finished tune trains nothing and rewrites the same tune.json.
        File.WriteAllText(state, intact);
        string before = Canonical(dir);
        var again = CliHarness.RunInProcess("tune", "--resume", dir);
        Assert.AreEqual(0, again.ExitCode, again.ToString());
        Assert.Contains("Resumed: 2 trials restored", again.StdOut);
        Assert.AreEqual(before, Canonical(dir));
    }

    [TestMethod]
    public void ResumeUsageErrorsAreOneLine()
    {
        string dir = FinishedTune();
        AssertOneLine(CliHarness.RunInProcess("tune", "--resume", dir, "--trials", "3"), 2,
            "gflownet tune: --trials cannot be used with --resume; allowed there: --resume, --parallel, --cluster, --cluster-wait, --checkpoint-every.");
        string missing = Path.Combine(_root, "missing");
        AssertOneLine(CliHarness.RunInProcess("tune", "--resume", missing), 2, $"gflownet tune: --resume '{missing}' does not exist; give the --out folder of a tune.");
        File.Delete(Path.Combine(dir, "tune-run.json"));
        AssertOneLine(CliHarness.RunInProcess("tune", "--resume", dir), 2,
            $"gflownet tune: --resume '{dir}' holds no tune-run.json: it is not the --out folder of a gflownet tune.");
        File.WriteAllText(Path.Combine(dir, "tune-run.json"), "{\"format\": \"other\"}");
        AssertOneLine(CliHarness.RunInProcess("tune", "--resume", dir), 2, $"gflownet tune: --resume '{dir}': tune-run.json is corrupt (");
    }
}
