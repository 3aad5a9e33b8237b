using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GFlowNetML.Cli.Commands;
using GFlowNetML.Cli.Compare;
using GFlowNetML.Torch.Training;
using Spectre.Console;

namespace GFlowNetML.Cli.Tests;

/// <summary>
/// <c>gflownet compare</c> on the 4×4 grid (rl-u and tb, seeds 0 and 1, 20 iterations of 16 trajectories, evaluated
/// every 5, small networks): compare.json holds every run's history and summaries that agree with the per-seed values
/// and with <c>gflownet train</c>; compare.png is a real PNG; <c>--parallel 2</c> gives the same numbers; Ctrl+C keeps
/// what finished and exits 130; bad options are one-line usage errors.
/// </summary>
[TestClass]
public sealed class CompareCommandTests
{
    private const int Iterations = 20, BatchSize = 16, EvalEvery = 5;
    private static readonly string[] Methods = ["rl-u", "tb"];
    private static readonly long[] Seeds = [0, 1];

    /// <summary>log Z* of the 4×4 grid: log 2.16 (see <see cref="MetricsFileContractTests"/>).</summary>
    private static readonly double TrueLogZ = Math.Log(0.01 * 16 + 0.5 * 4);

    private static string _root = "";
    private static string _sequentialDir = "";
    private static CliResult? _sequential;

    private string _dir = "";

    private static string[] CompareArgs(string outDir, params string[] extra) =>
    [
        "compare", "--env", "hypergrid", "--ndim", "2", "--height", "4", "--r0", "0.01", "--methods", "rl-u,tb", "--seeds", "2",
        "--iterations", Inv(Iterations), "--batch-size", Inv(BatchSize), "--eval-every", Inv(EvalEvery), "--out", outDir,
        .. CliHarness.SmallNetworks, .. extra,
    ];

    private static string Inv(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>One sequential comparison shared by the tests that only read its output.</summary>
    [ClassInitialize]
    public static void RunSequentialComparison(TestContext _)
    {
        _root = CliHarness.TempDirectory();
        _sequentialDir = Path.Combine(_root, "sequential");
        _sequential = CliHarness.RunInProcess(CompareArgs(_sequentialDir));
    }

    [ClassCleanup]
    public static void DeleteRoot() => CliHarness.DeleteQuietly(_root);

    [TestInitialize]
    public void CreateDir() => _dir = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteDir() => CliHarness.DeleteQuietly(_dir);

    private static JsonObject ReadCompare(string directory)
    {
        string path = Path.Combine(directory, "compare.json");
        Assert.IsTrue(File.Exists(path), $"{path} is missing");
        return JsonNode.Parse(File.ReadAllText(path))!.AsObject();
    }

    private static JsonObject Sequential()
    {
        Assert.IsNotNull(_sequential);
        Assert.AreEqual(0, _sequential.ExitCode, _sequential.ToString());
        Assert.AreEqual("", _sequential.StdErr);
        return ReadCompare(_sequentialDir);
    }

    private static double Mean(IReadOnlyList<double> v) => v.Sum() / v.Count;

    private static double SampleStd(IReadOnlyList<double> v)
    {
        double mean = Mean(v);
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1));
    }

    [TestMethod]
    public void CompareJsonRecordsTheBudgetAndEveryRunsHistory()
    {
        var root = Sequential();

        Assert.AreEqual("hypergrid(ndim=2, height=4, r0=0.01, r1=0.5, r2=2)", (string?)root["environment"]);
        Assert.AreEqual(TrueLogZ, Metrics.Number(root["trueLogZ"], "trueLogZ"), 1e-12);
        Assert.AreEqual(Iterations, (long)root["iterations"]!);
        Assert.AreEqual(BatchSize, (long)root["batchSize"]!);
        Assert.AreEqual(Iterations * BatchSize, (long)root["trajectoryBudget"]!, "budget = iterations × batch size");
        Assert.AreEqual(EvalEvery, (long)root["evalEvery"]!);
        CollectionAssert.AreEqual(Seeds, root["seeds"]!.AsArray().Select(s => (long)s!).ToArray());
        Assert.IsTrue((bool)root["completed"]!);
        Assert.AreEqual(4, (long)root["runsPlanned"]!);
        Assert.AreEqual(4, (long)root["runsFinished"]!);
        Assert.AreEqual(32, (long)root["networks"]!["hiddenWidth"]!);

        var methods = root["methods"]!.AsArray();
        CollectionAssert.AreEqual(Methods, methods.Select(m => (string)m!["name"]!).ToArray());
        foreach (var method in methods)
        {
            string name = (string)method!["name"]!;
            var runs = method["runs"]!.AsArray();
            CollectionAssert.AreEqual(Seeds, runs.Select(r => (long)r!["seed"]!).ToArray(), $"{name}: one run per seed, in order");
            foreach (var run in runs)
            {
                string what = $"{name} seed {run!["seed"]}";
                var history = run["history"]!.AsArray();
                CollectionAssert.AreEqual(new long[] { 0, 80, 160, 240, 320 }, history.Select(h => (long)h!["trajectories"]!).ToArray(), $"{what}: trajectories");
                CollectionAssert.AreEqual(new long[] { 0, 5, 10, 15, 20 }, history.Select(h => (long)h!["iteration"]!).ToArray(), $"{what}: iterations");
                double lastSeconds = 0, trueLogZ = (double)root["trueLogZ"]!;
                long lastModes = 0;
                foreach (var h in history)
                {
                    double tv = Metrics.Number(h!["exactTotalVariation"], $"{what}: TV"), jsd = Metrics.Number(h["jensenShannon"], $"{what}: JSD");
                    double logZError = Metrics.Number(h["logZError"], $"{what}: logZError"), seconds = Metrics.Number(h["seconds"], $"{what}: seconds");
                    double logZ = Metrics.Number(h["logZ"], $"{what}: logZ");
                    long modes = (long)h["modesFound"]!;
                    Assert.IsTrue(tv is >= 0 and <= 1, $"{what}: exact TV {tv} outside [0, 1]");
                    Assert.IsTrue(jsd >= 0 && jsd <= Math.Log(2) + 1e-12, $"{what}: JSD {jsd} outside [0, ln 2]");
                    Assert.AreEqual(Math.Abs(logZ - trueLogZ), logZError, $"{what}: logZError is |logZ - trueLogZ| exactly, against the file's one log Z*");
                    Assert.IsGreaterThanOrEqualTo(lastSeconds, seconds, $"{what}: seconds never decrease");
                    Assert.IsGreaterThanOrEqualTo(lastModes, modes, $"{what}: modes found never decrease");
                    lastSeconds = seconds;
                    lastModes = modes;
                }
                Assert.AreEqual(0.0, (double)history[0]!["logZ"]!, 1e-6, "log Z starts at 0");
                Assert.AreEqual((long)history[^1]!["modesFound"]!, (long)run["final"]!["modesFound"]!, $"{what}: final modes found are the last evaluation's");
                Assert.AreEqual((double)history[^1]!["logZ"]!, (double)run["final"]!["logZ"]!, $"{what}: final log Z is the last evaluation's");
                Assert.AreEqual(TrueLogZ, Metrics.Number(history[0]!["logZError"], "logZError at 0"), 1e-6, "log Z starts at 0");

                var final = run["final"]!.AsObject();
                Assert.AreEqual(Iterations, (long)final["iteration"]!);
                Assert.AreEqual(Iterations * BatchSize, (long)final["trajectories"]!);
                Assert.AreEqual((double)history[^1]!["exactTotalVariation"]!, (double)final["exactTotalVariation"]!, $"{what}: final TV is the last evaluation's");
                Assert.AreEqual(Math.Abs((double)final["logZ"]! - TrueLogZ), (double)final["logZError"]!, 1e-9);
                double runSeconds = Metrics.Number(run["seconds"], $"{what}: seconds");
                Assert.IsGreaterThanOrEqualTo(lastSeconds, runSeconds);
                Assert.AreEqual(1000 * runSeconds / Iterations, Metrics.Number(run["msPerIteration"], $"{what}: msPerIteration"), 1e-9);
            }
        }
    }

    [TestMethod]
    public void SummariesAreComputedFromThePerSeedValues()
    {
        foreach (var method in Sequential()["methods"]!.AsArray())
        {
            string name = (string)method!["name"]!;
            var runs = method["runs"]!.AsArray().Select(r => r!.AsObject()).ToList();
            var summary = method["summary"]!.AsObject();
            Assert.AreEqual(2, (long)summary["seeds"]!);
            foreach (var (key, finalKey) in new[] { ("finalExactTotalVariation", "exactTotalVariation"), ("finalJensenShannon", "jensenShannon"), ("finalLogZError", "logZError") })
            {
                var values = runs.Select(r => (double)r["final"]![finalKey]!).ToList();
                Assert.AreEqual(Mean(values), Metrics.Number(summary[key]!["mean"], $"{name} {key}.mean"), 1e-12, $"{name} {key}.mean");
                Assert.AreEqual(SampleStd(values), Metrics.Number(summary[key]!["std"], $"{name} {key}.std"), 1e-12, $"{name} {key}.std");
            }
            Assert.AreEqual(Mean([.. runs.Select(r => (double)r["msPerIteration"]!)]), Metrics.Number(summary["msPerIteration"]!["mean"], "msPerIteration"), 1e-9);

            // trajectoriesToTv: the first evaluation at which the seed-mean TV is below the threshold, else null.
            var histories = runs.Select(r => r["history"]!.AsArray()).ToList();
            foreach (double threshold in new[] { 0.1, 0.05, 0.6, 1.0 })
            {
                long? expected = null;
                for (int i = 0; i < histories[0].Count && expected is null; i++)
                    if (Mean([.. histories.Select(h => (double)h[i]!["exactTotalVariation"]!)]) < threshold) expected = (long)histories[0][i]!["trajectories"]!;
                string key = threshold.ToString(CultureInfo.InvariantCulture);
                if (threshold is 0.1 or 0.05)
                    Assert.AreEqual(expected, (long?)summary["trajectoriesToTv"]![key], $"{name} trajectoriesToTv[{key}]");
                else if (threshold == 1.0)
                    Assert.AreEqual(0L, expected, "every TV is below 1, so the curve is below it at trajectory 0");
            }
        }
    }

    [TestMethod]
    [DataRow("rl-u", 1L)]
    [DataRow("tb", 0L)]
    public void FinalValuesEqualWhatTrainReportsForTheSameMethodAndSeed(string method, long seed)
    {
        var result = CliHarness.RunInProcess(["train", "--env", "hypergrid", "--ndim", "2", "--height", "4", "--r0", "0.01",
            "--method", method, "--iterations", Inv(Iterations), "--batch-size", Inv(BatchSize), "--seed", Inv(seed),
            "--eval-every", Inv(EvalEvery), "--out", _dir, .. CliHarness.SmallNetworks]);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var train = Metrics.Read(_dir);

        var run = Sequential()["methods"]!.AsArray().Single(m => (string)m!["name"]! == method)!["runs"]!.AsArray()
            .Single(r => (long)r!["seed"]! == seed)!;
        foreach (var key in new[] { "exactTotalVariation", "jensenShannon", "logZ", "modesFound", "trajectories", "iteration" })
            Assert.AreEqual(train["final"]![key]!.ToJsonString(), run["final"]![key]!.ToJsonString(), $"{method} seed {seed}: final {key}");
        CollectionAssert.AreEqual(
            train["history"]!.AsArray().Select(h => (double)h!["exactTotalVariation"]!).ToArray(),
            run["history"]!.AsArray().Select(h => (double)h!["exactTotalVariation"]!).ToArray(),
            $"{method} seed {seed}: the whole TV history");
    }

    [TestMethod]
    public void PlotIsAPngOfTheStatedSize()
    {
        Sequential();
        string path = Path.Combine(_sequentialDir, "compare.png");
        Assert.IsTrue(File.Exists(path), "compare.png is written");
        byte[] png = File.ReadAllBytes(path);
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8], "PNG signature");
        Assert.AreEqual("IHDR", Encoding.ASCII.GetString(png, 12, 4));
        Assert.AreEqual(ComparePlot.Width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), "width");
        Assert.AreEqual(ComparePlot.Height, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)), "height");
        Assert.IsGreaterThan(10_000, png.Length, $"a plot with lines, a band, axes and text is more than a blank image ({png.Length} bytes)");
        CollectionAssert.AreEquivalent(new[] { "compare.json", "compare.png" }, Directory.GetFiles(_sequentialDir).Select(Path.GetFileName).ToArray(),
            "no temporary file is left behind");
    }

    [TestMethod]
    public void ProgressLinesAndTheTableArePrinted()
    {
        Sequential();
        string output = _sequential!.StdOut;
        foreach (var (method, seed, i) in new[] { ("rl-u", 0, 1), ("rl-u", 1, 2), ("tb", 0, 3), ("tb", 1, 4) })
            Assert.Contains($"[{i}/4] {method} seed {seed}: exact TV ", output);
        foreach (var header in new[] { "method", "seeds", "exact TV", "JSD (nats)", "|log Z - log Z*|", "ms/iteration", "trajectories to TV<0.1" })
            Assert.Contains(header, output);
        var json = ReadCompare(_sequentialDir);
        foreach (var method in json["methods"]!.AsArray())
        {
            var tv = method!["summary"]!["finalExactTotalVariation"]!;
            string cell = string.Create(CultureInfo.InvariantCulture, $"{(double)tv["mean"]!:F4} ± {(double)tv["std"]!:F4}");
            Assert.IsTrue(output.Split('\n').Any(l => l.Contains($" {method["name"]} ") && l.Contains(cell)), $"the table row of {method["name"]} shows {cell}:\n{output}");
        }
        Assert.Contains($"Wrote {Path.Combine(_sequentialDir, "compare.json")}", output);
        Assert.Contains($"Wrote {Path.Combine(_sequentialDir, "compare.png")}", output);
        Assert.DoesNotContain("--parallel", output, "no concurrency note for sequential runs");
    }

    /// <summary>A copy without wall-clock values (seconds, ms per iteration) and without the --parallel setting.</summary>
    private static JsonObject WithoutTimes(JsonObject compare)
    {
        var copy = compare.DeepClone().AsObject();
        Assert.IsTrue(copy.Remove("parallel"));
        Strip(copy);
        return copy;

        static void Strip(JsonNode? node)
        {
            if (node is JsonObject o)
            {
                o.Remove("seconds");
                o.Remove("msPerIteration");
                foreach (var (_, child) in o) Strip(child);
            }
            else if (node is JsonArray a)
                foreach (var child in a) Strip(child);
        }
    }

    [TestMethod]
    public void ParallelRunsGiveExactlyTheNumbersOfSequentialRuns()
    {
        var sequential = Sequential();

        var result = CliHarness.RunInProcess(CompareArgs(_dir, "--parallel", "2"));

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var parallel = ReadCompare(_dir);
        Assert.AreEqual(2, (long)parallel["parallel"]!);
        string[] expected = Metrics.Canonical(WithoutTimes(sequential)).Split('\n'), actual = Metrics.Canonical(WithoutTimes(parallel)).Split('\n');
        int line = 0;
        while (line < expected.Length && line < actual.Length && expected[line] == actual[line]) line++;
        if (line < expected.Length || line < actual.Length)
            Assert.Fail($"--parallel 2 differs from --parallel 1 at line {line + 1} of compare.json without times: expected '{(line < expected.Length ? expected[line].Trim() : "<end>")}', got '{(line < actual.Length ? actual[line].Trim() : "<end>")}'.");
        Assert.Contains("measured with up to 2 runs at once (--parallel 2)", result.StdOut);

        // The runs trained on threads of this process: no child process, no per-run folders.
        Assert.IsFalse(Directory.Exists(Path.Combine(_dir, "runs")), "no per-run folders");
        Assert.AreEqual("", result.StdErr);
    }

    [TestMethod]
    public void AFailingRunEndsTheComparisonWithOneLineNamingTheRunAndStopsTheOthers()
    {
        var args = CompareArgs(_dir, "--parallel", "2");
        args[Array.IndexOf(args, "--iterations") + 1] = "100000"; // the run beside the failing one would take many minutes
        var settings = CompareSettings.Parse(new ArgumentReader("compare", args[1..], CompareSettings.OptionNames));
        var runner = new CompareRunner(settings)
        {
            Started = run => { if (run.Index == 0) throw new IOException("No space left on device"); },
        };

        var clock = Stopwatch.StartNew();
        var e = Assert.ThrowsExactly<CompareRunFailedException>(() => runner.Run(CancellationToken.None));

        Assert.AreEqual("rl-u seed 0 failed: I/O error: No space left on device", e.Message);
        Assert.IsLessThan(60.0, clock.Elapsed.TotalSeconds, "the other run (100000 iterations) was stopped, not waited for");
    }

    [TestMethod]
    public void AFailedComparisonPrintsOneLineExits1AndWritesNoReport()
    {
        // train's --out checks are compare's too; an unwritable --out fails before any run, with the usage code.
        string blocked = Path.Combine(_dir, "blocked");
        File.WriteAllText(blocked, "not a folder");
        var result = CliHarness.RunInProcess(CompareArgs(blocked, "--parallel", "2"));
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.HasCount(1, result.ErrorLines, result.StdErr);
        Assert.Contains($"'{blocked}' is not a writable folder", result.ErrorLines[0]);
    }

    /// <summary>A writer that cancels a token as soon as <paramref name="trigger"/> has been written.</summary>
    private sealed class CancellingWriter(string trigger, CancellationTokenSource cts) : StringWriter
    {
        public override void Write(string? value)
        {
            base.Write(value);
            if (!cts.IsCancellationRequested && ToString().Contains(trigger, StringComparison.Ordinal)) cts.Cancel();
        }

        public override void Write(char value)
        {
            base.Write(value);
            if (value == '\n' && !cts.IsCancellationRequested && ToString().Contains(trigger, StringComparison.Ordinal)) cts.Cancel();
        }
    }

    [TestMethod]
    public void CancellationAfterTheFirstRunWritesThatRunAndExits130()
    {
        using var cts = new CancellationTokenSource();
        var writer = new CancellingWriter("[1/4]", cts);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer), Interactive = InteractionSupport.No, Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 200;
        string[] args = CompareArgs(_dir)[1..];

        int code = CompareCommand.Run(new ArgumentReader("compare", args, CompareSettings.OptionNames), console, cts.Token);

        string output = writer.ToString();
        Assert.AreEqual(130, code, output);
        Assert.DoesNotContain("[2/4]", output, "no run starts after cancellation");
        Assert.Contains("Stopped early (cancelled): 1 of 4 runs finished", output);
        var json = ReadCompare(_dir);
        Assert.IsFalse((bool)json["completed"]!);
        Assert.AreEqual(4, (long)json["runsPlanned"]!);
        Assert.AreEqual(1, (long)json["runsFinished"]!);
        var methods = json["methods"]!.AsArray();
        var rlu = methods[0]!;
        Assert.AreEqual(1, rlu["runs"]!.AsArray().Count);
        Assert.AreEqual(Iterations, (long)rlu["runs"]![0]!["final"]!["iteration"]!, "the finished run is complete");
        Assert.AreEqual(1, (long)rlu["summary"]!["seeds"]!);
        Assert.IsNull(rlu["summary"]!["finalExactTotalVariation"]!["std"], "no standard deviation of one value");
        Assert.AreEqual(0, methods[1]!["runs"]!.AsArray().Count, "tb never ran");
        Assert.IsTrue(File.Exists(Path.Combine(_dir, "compare.png")), "the plot shows the finished run");
    }

    [TestMethod]
    public void CancellationWithParallelRunsStopsThemWritesTheFinishedRunsAndExits130()
    {
        using var cts = new CancellationTokenSource();
        var writer = new CancellingWriter("[1/4]", cts);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer), Interactive = InteractionSupport.No, Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors,
        });
        string[] args = CompareArgs(_dir, "--parallel", "2")[1..];

        int code = CompareCommand.Run(new ArgumentReader("compare", args, CompareSettings.OptionNames), console, cts.Token);

        string output = writer.ToString();
        Assert.AreEqual(130, code, output);
        var json = ReadCompare(_dir);
        Assert.IsFalse((bool)json["completed"]!);
        long finished = (long)json["runsFinished"]!;
        Assert.IsTrue(finished is 1 or 2, $"the first run, and at most the one beside it, finished: {finished}\n{output}");
        Assert.Contains($"Stopped early (cancelled): {finished} of 4 runs finished", output);
        Assert.AreEqual(0, (long)json["methods"]![1]!["summary"]!["seeds"]!, "tb never finished: no run starts after cancellation");
        var alive = Directory.GetDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Where(d => { try { return File.ReadAllText(Path.Combine(d, "cmdline")).Contains(_dir, StringComparison.Ordinal); } catch (IOException) { return false; } catch (UnauthorizedAccessException) { return false; } })
            .ToList();
        Assert.IsEmpty(alive, "no process of the comparison outlives it");
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "sigaction", SetLastError = true)]
    private static extern int SigAction(int signal, IntPtr action, IntPtr oldAction);

    /// <summary>Whether SIGINT is ignored in this process, as when a shell without job control starts it in the background
    /// (<c>cmd &amp;</c>): children inherit the disposition and the .NET runtime then leaves Ctrl+C undelivered.</summary>
    private static bool SigIntIgnored()
    {
        IntPtr old = Marshal.AllocHGlobal(512); // struct sigaction (152 bytes on x86-64 glibc); sa_handler comes first
        try { return SigAction(2, IntPtr.Zero, old) == 0 && Marshal.ReadIntPtr(old) == 1; }
        finally { Marshal.FreeHGlobal(old); }
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public void CtrlCStopsARunningComparisonPromptlyAndExits130()
    {
        if (SigIntIgnored())
            Assert.Inconclusive("SIGINT is ignored in this test process (started in the background by a shell without job control), so no child can receive Ctrl+C.");
        // A million iterations would take many minutes: only a prompt stop ends the process in time.
        var output = new StringBuilder();
        using var process = CliHarness.Start(output, ["compare", "--ndim", "2", "--height", "4", "--methods", "tb", "--seeds", "2",
            "--iterations", "1000000", "--batch-size", "16", "--eval-every", "1000", "--out", _dir, .. CliHarness.SmallNetworks]);
        var clock = Stopwatch.StartNew();
        while (!output.ToString().Contains("runs, 1 at a time", StringComparison.Ordinal))
        {
            if (process.HasExited) Assert.Fail($"compare ended (exit {process.ExitCode}) before it started training:\n{output}");
            if (clock.Elapsed > TimeSpan.FromSeconds(60)) { process.Kill(entireProcessTree: true); Assert.Fail($"compare did not start within a minute:\n{output}"); }
            Thread.Sleep(20);
        }
        Thread.Sleep(500); // into the first run's iterations

        Assert.AreEqual(0, Kill(process.Id, 2), "SIGINT sent");
        // Alone it stops in about a second; under `dotnet test`, which runs every test project at once on 2 cores, the
        // process can be starved for several seconds. A million iterations take far longer than this bound.
        bool exited = process.WaitForExit(TimeSpan.FromSeconds(30));
        if (!exited) process.Kill(entireProcessTree: true);
        process.WaitForExit();

        Assert.IsTrue(exited, $"compare did not stop within 30 s of Ctrl+C:\n{output}");
        Assert.AreEqual(130, process.ExitCode, output.ToString());
        Assert.Contains("Stopped early (cancelled): 0 of 2 runs finished", output.ToString());
        var json = ReadCompare(_dir);
        Assert.IsFalse((bool)json["completed"]!);
        Assert.AreEqual(0, (long)json["runsFinished"]!);
        Assert.IsFalse(File.Exists(Path.Combine(_dir, "compare.png")), "nothing to plot");
    }

    [TestMethod]
    public void HelpListsTheOptions()
    {
        var result = CliHarness.RunInProcess("compare", "--help");

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.AreEqual("", result.StdErr);
        foreach (var option in new[] { "--env hypergrid|sequence|qm9|dag|bitseq", "--ndim", "--height", "--r0", "--tokens 4", "--nodes 5", "--bits 120", "--out DIR", "--methods rl-u,rl-b,rl-g,rl-t,tb,db,subtb,fm",
                     "--seeds 3", "--seed-list", "--iterations 2000", "--batch-size 128", "--eval-every 10", "--threads 1", "--parallel 1",
                     "--hidden-layers", "--critic-width", TrainingMethodNames.AllowedVariants, "gflownet compare --merge DIR1,DIR2,... --out DIR" })
            Assert.Contains(option, result.StdOut);
    }

    private static void AssertOneLineUsageError(CliResult result, string expected, string outDir)
    {
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.HasCount(1, result.ErrorLines, $"exactly one line on stderr:\n{result.StdErr}");
        Assert.AreEqual($"gflownet compare: {expected}", result.ErrorLines[0]);
        Assert.IsFalse(Directory.Exists(outDir), "a rejected command must not create its --out folder");
    }

    [TestMethod]
    [DataRow("--methods rl-u,foo", "--methods must be a comma-separated list of distinct names from: {allowed}; got 'foo'.")]
    [DataRow("--methods rl-u-b", "--methods must be a comma-separated list of distinct names from: {allowed}; got 'rl-u-b'.")]
    [DataRow("--methods tb,rl-u,TB", "--methods must be a comma-separated list of distinct names from: {allowed}; got 'tb' twice.")]
    [DataRow("--methods rl-u,,tb", "--methods must be a comma-separated list of distinct names from: {allowed}; got an empty name in 'rl-u,,tb'.")]
    [DataRow("--seeds 0", "--seeds must be an integer in 1..1000; got '0'.")]
    [DataRow("--seeds two", "--seeds must be an integer in 1..1000; got 'two'.")]
    [DataRow("--seeds - --seed-list 0,x", "--seed-list must be a comma-separated list of distinct integers, e.g. 0,5,7; got '0,x'.")]
    [DataRow("--seeds - --seed-list 3,3", "--seed-list must be a comma-separated list of distinct integers, e.g. 0,5,7; got '3,3'.")]
    [DataRow("--seed-list 0,5", "--seeds and --seed-list cannot be used together; give --seeds N for seeds 0..N-1, or --seed-list with the seeds, e.g. 0,5,7.")]
    [DataRow("--parallel 0", "--parallel must be an integer in 1..256; got '0'.")]
    [DataRow("--threads 0", "--threads must be an integer in 1..256; got '0'.")]
    [DataRow("--iterations 0", "--iterations must be an integer of at least 1; got '0'.")]
    [DataRow("--batch-size 0", "--batch-size must be an integer in 1..1048576; got '0'.")] // the library's range, as train's
    [DataRow("--eval-every 0", "--eval-every must be an integer of at least 1; got '0'.")]
    [DataRow("--hidden-width 0", "--hidden-width must be an integer in 1..65536; got '0'.")]
    [DataRow("--height 1", "--height must be an integer in 2..1048576; got '1'.")]
    [DataRow("--r0 0", "--r0 must be a number greater than 0; got '0'.")]
    [DataRow("--env foo", "--env must be one of: hypergrid, sequence, qm9, dag, bitseq; got 'foo'.")]
    [DataRow("--ndim 64 --height 20000", "--ndim × --height must be at most 1048576 (the width of the K-hot encoding); got 64 × 20000.")]
    public void BadOptionExitsWithCode2AndOneLineNamingOptionAndAllowedValues(string overrides, string message)
    {
        string outDir = Path.Combine(_dir, "out");
        var options = CompareArgs(outDir).ToList();
        var tokens = overrides.Split(' ');
        for (int i = 0; i < tokens.Length; i += 2)
        {
            int at = options.IndexOf(tokens[i]);
            if (at >= 0 && tokens[i + 1] == "-") options.RemoveRange(at, 2); // "--name -" drops the option
            else if (at >= 0) options[at + 1] = tokens[i + 1];
            else options.AddRange([tokens[i], tokens[i + 1]]);
        }

        var result = CliHarness.RunInProcess([.. options]);

        AssertOneLineUsageError(result, message.Replace("{allowed}", TrainingMethodNames.AllowedVariants, StringComparison.Ordinal), outDir);
    }

    [TestMethod]
    public void UnknownOptionIsNamedWithTheClosestKnownOne()
    {
        string outDir = Path.Combine(_dir, "out");

        var result = CliHarness.RunInProcess([.. CompareArgs(outDir), "--method", "tb"]);

        AssertOneLineUsageError(result, "Unknown option --method for 'compare'; did you mean --methods?", outDir);
        foreach (var option in new[] { "methods", "seeds", "seed-list", "parallel", "env", "r2", "critic-layers" })
            CollectionAssert.Contains(CompareSettings.OptionNames, option);
    }

    [TestMethod]
    public void MissingOutIsRequired()
    {
        var args = CompareArgs("unused").ToList();
        args.RemoveRange(args.IndexOf("--out"), 2);

        var result = CliHarness.RunInProcess([.. args]);

        AssertOneLineUsageError(result, "--out is required: the folder compare.json and compare.png are written to.", "unused");
    }

    [TestMethod]
    public void OutUnderARegularFileIsNotWritable()
    {
        string file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "not a folder");
        string outDir = Path.Combine(file, "sub");

        var result = CliHarness.RunInProcess(CompareArgs(outDir));

        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.HasCount(1, result.ErrorLines, result.StdErr);
        Assert.StartsWith($"gflownet compare: --out '{outDir}' is not a writable folder", result.ErrorLines[0]);
    }

    // ---- compare --merge ----------------------------------------------------------------------------------------------

    private static string[] PartArgs(string outDir, string methods, string seedList)
    {
        var args = CompareArgs(outDir).ToList();
        args[args.IndexOf("--methods") + 1] = methods;
        args.RemoveRange(args.IndexOf("--seeds"), 2);
        args.AddRange(["--seed-list", seedList]);
        return [.. args];
    }

    /// <summary>A copy of compare.json without wall-clock values and without how its runs were made (threads, parallel,
    /// the inputs of a merge).</summary>
    private static JsonObject WithoutRunSettings(JsonObject compare)
    {
        var copy = WithoutTimes(compare);
        Assert.IsTrue(copy.Remove("threads"));
        copy.Remove("mergedFrom");
        return copy;
    }

    private static void AssertSameLines(string expected, string actual, string what)
    {
        string[] e = expected.Split('\n'), a = actual.Split('\n');
        int line = 0;
        while (line < e.Length && line < a.Length && e[line] == a[line]) line++;
        if (line < e.Length || line < a.Length)
            Assert.Fail($"{what} differ at line {line + 1}: expected '{(line < e.Length ? e[line].Trim() : "<end>")}', got '{(line < a.Length ? a[line].Trim() : "<end>")}'.");
    }

    [TestMethod]
    public void MergeOfSeparateComparisonsIsTheComparisonOfAllTheirRuns()
    {
        var sequential = Sequential();
        // The four runs of the shared comparison, made by three separate ones, given out of the standard order.
        string a = Path.Combine(_dir, "rlu-1"), b = Path.Combine(_dir, "tb-0-1"), c = Path.Combine(_dir, "rlu-0"), merged = Path.Combine(_dir, "merged");
        foreach (var (dir, methods, seeds) in new[] { (a, "rl-u", "1"), (b, "tb", "0,1"), (c, "rl-u", "0") })
        {
            var part = CliHarness.RunInProcess(PartArgs(dir, methods, seeds));
            Assert.AreEqual(0, part.ExitCode, part.ToString());
        }

        var result = CliHarness.RunInProcess("compare", "--merge", $"{a},{b},{c}", "--out", merged);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.AreEqual("", result.StdErr);
        var json = ReadCompare(merged);
        AssertSameLines(Metrics.Canonical(WithoutRunSettings(sequential)), Metrics.Canonical(WithoutRunSettings(json)),
            "the merge and one comparison of all the runs (without times, threads, parallel and mergedFrom)");
        Assert.AreEqual(1, (long)json["threads"]!);
        Assert.AreEqual(1, (long)json["parallel"]!);
        var inputs = json["mergedFrom"]!.AsArray();
        CollectionAssert.AreEqual(new[] { a, b, c }, inputs.Select(i => (string)i!["directory"]!).ToArray(), "mergedFrom: every input, in the order given");
        Assert.IsTrue(inputs.All(i => (long)i!["threads"]! == 1 && (long)i["parallel"]! == 1));

        // The plot, the table and what was read.
        byte[] png = File.ReadAllBytes(Path.Combine(merged, "compare.png"));
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4], "PNG signature");
        Assert.AreEqual(ComparePlot.Width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), "width");
        Assert.IsGreaterThan(10_000, png.Length);
        CollectionAssert.AreEquivalent(new[] { "compare.json", "compare.png" }, Directory.GetFiles(merged).Select(Path.GetFileName).ToArray());
        string output = result.StdOut;
        Assert.Contains("compare --merge of 3 comparisons: rl-u, tb on hypergrid(ndim=2, height=4, r0=0.01, r1=0.5, r2=2)", output);
        Assert.Contains("4 of 4 planned runs finished", output);
        Assert.Contains($"'{b}': tb seeds 0, 1 (--threads 1, --parallel 1)", output);
        foreach (var method in json["methods"]!.AsArray())
        {
            var tv = method!["summary"]!["finalExactTotalVariation"]!;
            string cell = string.Create(CultureInfo.InvariantCulture, $"{(double)tv["mean"]!:F4} ± {(double)tv["std"]!:F4}");
            Assert.IsTrue(output.Split('\n').Any(l => l.Contains($" {method["name"]} ") && l.Contains(cell)), $"the table row of {method["name"]} shows {cell}:\n{output}");
        }
        Assert.Contains("trajectories to TV<0.05", output);
        Assert.Contains("ms/iteration was measured in 3 separate comparisons", output);
        Assert.Contains($"Wrote {Path.Combine(merged, "compare.json")}", output);
        Assert.Contains($"Wrote {Path.Combine(merged, "compare.png")}", output);

        // A merge is itself an input: merging it again (alone) gives the same file but for its mergedFrom.
        string again = Path.Combine(_dir, "again");
        var second = CliHarness.RunInProcess("compare", "--merge", merged, "--out", again);
        Assert.AreEqual(0, second.ExitCode, second.ToString());
        var nested = ReadCompare(again);
        AssertSameLines(Metrics.Canonical(WithoutRunSettings(json)), Metrics.Canonical(WithoutRunSettings(nested)), "a merge of a merge");
        Assert.AreEqual(3, nested["mergedFrom"]![0]!["mergedFrom"]!.AsArray().Count, "the inputs of the merged input are kept");
    }

    [TestMethod]
    public void ReadingAndWritingCompareJsonGivesTheSameBytes()
    {
        Sequential();
        string path = Path.Combine(_sequentialDir, "compare.json");

        var contents = CompareFile.Read(path);
        CompareFile.Write(_dir, contents.Header, Summaries(contents));

        CollectionAssert.AreEqual(File.ReadAllBytes(path), File.ReadAllBytes(Path.Combine(_dir, "compare.json")), "compare.json read and written again");
        var h = contents.Header;
        Assert.AreEqual("hypergrid(ndim=2, height=4, r0=0.01, r1=0.5, r2=2)", h.Environment);
        Assert.AreEqual((Iterations, BatchSize, EvalEvery, 1, 1, 4, true), (h.Iterations, h.BatchSize, h.EvalEvery, h.Threads, h.Parallel, h.RunsPlanned, h.Completed));
        Assert.AreEqual(new CompareNetworks(4, 32, 2, 32), h.Networks);
        CollectionAssert.AreEqual(Seeds, h.Seeds.ToArray());
        Assert.IsNull(h.MergedFrom);
        CollectionAssert.AreEqual(Methods, contents.Methods.Select(m => m.Name).ToArray());
        CollectionAssert.AreEqual(new[] { ("rl-u", 0L), ("rl-u", 1L), ("tb", 0L), ("tb", 1L) }, contents.Runs.Select(r => (r.Run.Method.Name, r.Run.Seed)).ToArray());
        foreach (var run in contents.Runs)
        {
            Assert.HasCount(5, run.Result.History);
            Assert.AreEqual(run.Result.History[^1] with { Seconds = run.Result.Final.Seconds }, run.Result.Final, "final is the last evaluation");
            Assert.IsTrue(run.Result.History.All(e => e.TrueLogZ == h.TrueLogZ), "every evaluation's log Z* is the file's");
        }
    }

    private static List<MethodSummary> Summaries(CompareContents contents)
        => [.. contents.Methods.Select(m => MethodSummary.Of(m, [.. contents.Runs.Where(r => r.Run.Method == m)]))];

    private static MethodVariant Variant(string name)
    {
        var (method, learnBackward) = TrainingMethodNames.ParseVariant(name);
        return new MethodVariant(method.ToVariantName(learnBackward), method, learnBackward);
    }

    /// <summary>A made-up finished run with awkward numbers: NaN Jensen–Shannon values and log Z, thirds, negative zero.</summary>
    private static FinishedRun SyntheticRun(string method, long seed, double trueLogZ)
    {
        var history = Enumerable.Range(0, 4).Select(i => new EvaluationRecord(i * 5L, i * 80L, 0.7 / (i + 1) + seed / 3.0 * 1e-3,
            i == 2 ? double.NaN : 0.1 / 3 / (i + 1), i == 1 ? double.NaN : i == 0 ? -0.0 : 0.3 * i - 1.0 / 7, trueLogZ, i + (int)Math.Abs(seed), 0.25 * i + 1.0 / 3)).ToList();
        return new FinishedRun(new PlannedRun(0, Variant(method), seed), new TrainingResult(history[^1] with { Seconds = 2.0 / 3 }, history, true));
    }

    private static CompareHeader SyntheticHeader(IReadOnlyList<long> seeds, int runsPlanned, bool completed, int parallel = 1) => new()
    {
        Environment = "hypergrid(ndim=2, height=4, r0=0.01, r1=0.5, r2=2)", TrueLogZ = TrueLogZ, Iterations = 15, BatchSize = 16, EvalEvery = 5,
        Seeds = seeds, Threads = 2, Parallel = parallel, Networks = new CompareNetworks(4, 32, 2, 32), Completed = completed, RunsPlanned = runsPlanned,
    };

    [TestMethod]
    public void NonFiniteValuesMergedFromAndUnfinishedComparisonsReadBackExactly()
    {
        var methods = new[] { Variant("tb-b"), Variant("rl-u"), Variant("fm") }; // fm: planned, never finished
        var runs = new[] { SyntheticRun("tb-b", 7, TrueLogZ), SyntheticRun("tb-b", -2, TrueLogZ), SyntheticRun("rl-u", 7, TrueLogZ) };
        var header = SyntheticHeader([7, -2], 6, completed: false) with
        {
            MergedFrom = [new MergedInput("/x/a", 1, 4), new MergedInput("/x/b", 2, 1, [new MergedInput("/y/c", 3, 1)])],
        };
        var summaries = methods.Select(m => MethodSummary.Of(m, [.. runs.Where(r => r.Run.Method == m)])).ToList();
        CompareFile.Write(_dir, header, summaries);
        string path = Path.Combine(_dir, "compare.json");
        byte[] written = File.ReadAllBytes(path);
        StringAssert.Contains(Encoding.UTF8.GetString(written), "\"jensenShannon\": null");

        var contents = CompareFile.Read(path);

        Assert.AreEqual(header.MergedFrom[1].MergedFrom![0], contents.Header.MergedFrom![1].MergedFrom![0]);
        Assert.AreEqual(header with { MergedFrom = null }, contents.Header with { MergedFrom = null, Seeds = header.Seeds });
        CollectionAssert.AreEqual(new long[] { 7, -2 }, contents.Header.Seeds.ToArray(), "seeds in file order");
        CollectionAssert.AreEqual(new[] { "tb-b", "rl-u", "fm" }, contents.Methods.Select(m => m.Name).ToArray(), "file order, with a method without runs");
        Assert.HasCount(3, contents.Runs);
        for (int i = 0; i < runs.Length; i++)
        {
            Assert.AreEqual(runs[i].Run with { Index = i }, contents.Runs[i].Run);
            Assert.AreEqual(runs[i].Result.Final, contents.Runs[i].Result.Final, "NaN reads back as NaN");
            CollectionAssert.AreEqual(runs[i].Result.History.ToArray(), contents.Runs[i].Result.History.ToArray());
        }
        Assert.IsTrue(double.IsNegative(contents.Runs[0].Result.History[0].LogZ), "-0 stays -0");
        string again = Path.Combine(_dir, "again");
        Directory.CreateDirectory(again);
        CompareFile.Write(again, contents.Header, Summaries(contents));
        CollectionAssert.AreEqual(written, File.ReadAllBytes(Path.Combine(again, "compare.json")));
    }

    [TestMethod]
    public void MergePutsMethodsInTheStandardOrderSeedsAscendingAndAddsUpThePlan()
    {
        var first = new MergeInput("one", new CompareContents(SyntheticHeader([3, 1], 4, completed: false, parallel: 4),
            [Variant("fm"), Variant("tb-b")], [SyntheticRun("fm", 3, TrueLogZ), SyntheticRun("tb-b", 1, TrueLogZ)]));
        var second = new MergeInput("two", new CompareContents(SyntheticHeader([2], 3, completed: true) with { TrueLogZ = TrueLogZ + 1e-15 },
            [Variant("rl-t-b"), Variant("rl-u"), Variant("tb-b")],
            [SyntheticRun("rl-t-b", 2, TrueLogZ + 1e-15), SyntheticRun("rl-u", 2, TrueLogZ + 1e-15), SyntheticRun("tb-b", 2, TrueLogZ + 1e-15)]));

        var merged = CompareMerge.Merge([first, second]);

        CollectionAssert.AreEqual(new[] { "rl-u", "rl-t-b", "tb-b", "fm" }, merged.Methods.Select(m => m.Name).ToArray());
        CollectionAssert.AreEqual(new[] { ("rl-u", 2L), ("rl-t-b", 2L), ("tb-b", 1L), ("tb-b", 2L), ("fm", 3L) },
            merged.Runs.Select(r => (r.Run.Method.Name, r.Run.Seed)).ToArray());
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4 }, merged.Runs.Select(r => r.Run.Index).ToArray());
        var h = merged.Header;
        CollectionAssert.AreEqual(new long[] { 1, 2, 3 }, h.Seeds.ToArray());
        Assert.AreEqual(7, h.RunsPlanned);
        Assert.IsFalse(h.Completed, "one input was stopped early");
        Assert.AreEqual((2, 4), (h.Threads, h.Parallel), "the first input's");
        Assert.AreEqual(TrueLogZ, h.TrueLogZ);
        Assert.IsTrue(merged.Runs.SelectMany(r => r.Result.History.Append(r.Result.Final)).All(e => e.TrueLogZ == TrueLogZ), "one log Z* in the merge");
        CollectionAssert.AreEqual(new[] { (Path.GetFullPath("one"), 2, 4), (Path.GetFullPath("two"), 2, 1) },
            h.MergedFrom!.Select(i => (i.Directory, i.Threads, i.Parallel)).ToArray());
    }

    /// <summary>Writes a copy of the shared comparison's compare.json into <paramref name="directory"/>, changed by
    /// <paramref name="change"/>.</summary>
    private static string CopyOfSequential(string directory, Action<JsonObject>? change = null)
    {
        var json = Sequential();
        change?.Invoke(json);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "compare.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return directory;
    }

    [TestMethod]
    [DataRow("iterations", "500", "'{b}' was run with --iterations 500, '{a}' with 20.")]
    [DataRow("batchSize", "8", "'{b}' was run with --batch-size 8, '{a}' with 16.")]
    [DataRow("evalEvery", "4", "'{b}' was run with --eval-every 4, '{a}' with 5.")]
    [DataRow("networks.hiddenLayers", "3", "'{b}' was run with --hidden-layers 3, '{a}' with 4.")]
    [DataRow("networks.hiddenWidth", "64", "'{b}' was run with --hidden-width 64, '{a}' with 32.")]
    [DataRow("networks.criticLayers", "1", "'{b}' was run with --critic-layers 1, '{a}' with 2.")]
    [DataRow("networks.criticWidth", "16", "'{b}' was run with --critic-width 16, '{a}' with 32.")]
    [DataRow("environment", "\"hypergrid(ndim=2, height=8, r0=0.01, r1=0.5, r2=2)\"",
        "'{b}' was run on hypergrid(ndim=2, height=8, r0=0.01, r1=0.5, r2=2), '{a}' on hypergrid(ndim=2, height=4, r0=0.01, r1=0.5, r2=2).")]
    public void IncompatibleInputsAreOneLineNamingTheSettingAndBothValues(string key, string value, string message)
    {
        string b = CopyOfSequential(Path.Combine(_dir, "b"), json =>
        {
            var target = key.StartsWith("networks.", StringComparison.Ordinal) ? json["networks"]!.AsObject() : json;
            target[key.Replace("networks.", "", StringComparison.Ordinal)] = JsonNode.Parse(value);
            json["trajectoryBudget"] = (long)json["iterations"]! * (long)json["batchSize"]!;
        });
        string outDir = Path.Combine(_dir, "out");

        var result = CliHarness.RunInProcess("compare", "--merge", $"{_sequentialDir},{b}", "--out", outDir);

        AssertOneLineUsageError(result, "--merge: " + message.Replace("{a}", _sequentialDir, StringComparison.Ordinal).Replace("{b}", b, StringComparison.Ordinal), outDir);
    }

    [TestMethod]
    public void ARunInTwoInputsIsAnErrorNamingItAndBothInputs()
    {
        // Only tb seed 1 of the shared comparison, in a second folder.
        string b = CopyOfSequential(Path.Combine(_dir, "b"), json =>
        {
            var methods = json["methods"]!.AsArray();
            methods.RemoveAt(0);
            methods[0]!["runs"]!.AsArray().RemoveAt(0);
            json["runsFinished"] = 1;
        });
        string outDir = Path.Combine(_dir, "out");

        var result = CliHarness.RunInProcess("compare", "--merge", $"{_sequentialDir},{b}", "--out", outDir);

        AssertOneLineUsageError(result, $"--merge: tb seed 1 is in both '{_sequentialDir}' and '{b}'.", outDir);
    }

    [TestMethod]
    public void AnInputStoppedEarlyIsMergedAndMakesTheMergeIncomplete()
    {
        // As a comparison cancelled after its first run: rl-u seed 0 of the planned 4.
        string a = CopyOfSequential(Path.Combine(_dir, "a"), json =>
        {
            json["methods"]![0]!["runs"]!.AsArray().RemoveAt(1);
            json["methods"]![1]!["runs"]!.AsArray().Clear();
            json["completed"] = false;
            json["runsFinished"] = 1;
        });
        // tb alone, seeds 0 and 1, complete.
        string b = CopyOfSequential(Path.Combine(_dir, "b"), json =>
        {
            json["methods"]!.AsArray().RemoveAt(0);
            json["runsPlanned"] = 2;
            json["runsFinished"] = 2;
        });
        string outDir = Path.Combine(_dir, "out");

        var result = CliHarness.RunInProcess("compare", "--merge", $"{a},{b}", "--out", outDir);

        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var json = ReadCompare(outDir);
        Assert.IsFalse((bool)json["completed"]!);
        Assert.AreEqual(6, (long)json["runsPlanned"]!, "the sum of the inputs' plans");
        Assert.AreEqual(3, (long)json["runsFinished"]!);
        CollectionAssert.AreEqual(new[] { 1, 2 }, json["methods"]!.AsArray().Select(m => m!["runs"]!.AsArray().Count).ToArray());
        Assert.Contains($"'{a}': rl-u seed 0 (--threads 1, --parallel 1, stopped early: 1 of 4 planned runs finished)", result.StdOut);
        Assert.Contains($"Incomplete: 3 of 6 planned runs finished ('{a}' stopped early)", result.StdOut);
    }

    [TestMethod]
    public void AMissingOrMalformedCompareJsonIsAnErrorNamingTheFile()
    {
        string outDir = Path.Combine(_dir, "out"), empty = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(empty);
        string Merge(string input)
        {
            var result = CliHarness.RunInProcess("compare", "--merge", $"{_sequentialDir},{input}", "--out", outDir);
            Assert.AreEqual(2, result.ExitCode, result.ToString());
            Assert.HasCount(1, result.ErrorLines, result.StdErr);
            Assert.IsFalse(Directory.Exists(outDir), "a rejected merge must not create its --out folder");
            return result.ErrorLines[0];
        }

        Assert.AreEqual($"gflownet compare: --merge: '{Path.Combine(empty, "compare.json")}' does not exist; --merge takes folders written by 'gflownet compare --out'.", Merge(empty));

        string broken = Path.Combine(_dir, "broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "compare.json"), "{\"environment\": ");
        Assert.StartsWith($"gflownet compare: --merge: '{Path.Combine(broken, "compare.json")}' is not a valid compare.json: it is not JSON (", Merge(broken));

        string old = CopyOfSequential(Path.Combine(_dir, "old"), json =>
        {
            foreach (var run in json["methods"]!.AsArray().SelectMany(m => m!["runs"]!.AsArray()))
                foreach (var h in run!["history"]!.AsArray())
                {
                    h!.AsObject().Remove("logZ");
                    h.AsObject().Remove("modesFound");
                }
        });
        Assert.AreEqual($"gflownet compare: --merge: '{Path.Combine(old, "compare.json")}' is not a valid compare.json: methods[0].runs[0].history[0]: 'logZ' is missing (written by a gflownet older than 'compare --merge', whose history records hold only logZError).", Merge(old));

        string wrong = CopyOfSequential(Path.Combine(_dir, "wrong"), json => json["methods"]![1]!["runs"]![0]!["seed"] = "zero");
        Assert.AreEqual($"gflownet compare: --merge: '{Path.Combine(wrong, "compare.json")}' is not a valid compare.json: 'methods[1].runs[0].seed' is not an integer.", Merge(wrong));
    }

    [TestMethod]
    public void MergeTakesOnlyOutAndNeverWritesIntoAnInput()
    {
        string outDir = Path.Combine(_dir, "out"), a = Path.Combine(_dir, "a"), b = Path.Combine(_dir, "b");

        AssertOneLineUsageError(CliHarness.RunInProcess("compare", "--merge", $"{a},{b}", "--out", outDir, "--methods", "tb"),
            "--methods cannot be used with --merge; allowed there: --merge, --out.", outDir);
        AssertOneLineUsageError(CliHarness.RunInProcess("compare", "--merge", $"{a},{b}", "--out", outDir, "--iterations", "20"),
            "--iterations cannot be used with --merge; allowed there: --merge, --out.", outDir);
        AssertOneLineUsageError(CliHarness.RunInProcess("compare", "--merge", $"{a},{b}"),
            "--out is required: the folder the merged compare.json and compare.png are written to.", outDir);
        AssertOneLineUsageError(CliHarness.RunInProcess("compare", "--merge", $"{a},,{b}", "--out", outDir),
            $"--merge must be a comma-separated list of folders written by 'gflownet compare --out', e.g. runs/a,runs/b; got an empty name in '{a},,{b}'.", outDir);
        AssertOneLineUsageError(CliHarness.RunInProcess("compare", "--merge", $"{a},{b},{a}/", "--out", outDir),
            $"--merge names '{a}/' twice.", outDir);

        var result = CliHarness.RunInProcess("compare", "--merge", $"{_sequentialDir},{a}", "--out", _sequentialDir + "/");
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.AreEqual($"gflownet compare: --out '{_sequentialDir}/' is one of the --merge folders; write the merged comparison to another folder, so that no input is overwritten.", result.StdErr.Trim());
    }
}
