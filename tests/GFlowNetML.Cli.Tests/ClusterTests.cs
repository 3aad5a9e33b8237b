using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using GFlowNetML.Cluster;
using GFlowNetML.Environments;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Cli.Tests;

/// <summary>
/// The cluster end to end: a real redis-server, silos as separate <c>gflownet silo</c> processes on loopback, compare and
/// tune submitted with <c>--cluster</c>, silos killed with SIGKILL mid-run; every run's numbers against the in-process run.
/// </summary>
[TestClass]
public sealed class ClusterTests
{
    private static readonly string[] Grid = ["--env", "hypergrid", "--ndim", "2", "--height", "8", "--batch-size", "16", "--eval-every", "20"];
    private static readonly string[] CompareGrid = [.. Grid, .. CliHarness.SmallNetworks];
    private static readonly TimeSpan SiloStart = TimeSpan.FromSeconds(40);

    [TestMethod]
    public void CompareSampleAndTuneOnThreeSilosWithTwoKilledMidRunEqualTheInProcessRunsBitForBit()
    {
        using var redis = RedisServer.Start();
        using var a = Silo.Start(redis);
        using var b = Silo.Start(redis);
        using var c = Silo.Start(redis);
        foreach (var silo in new[] { a, b, c }) silo.WaitFor("silo joined the cluster", 0, SiloStart);
        string root = CliHarness.TempDirectory();
        try
        {
            // compare: 3 methods x 3 seeds; silo a is killed once it has stored a checkpoint of a run.
            string[] compare = ["compare", .. CompareGrid, "--methods", "tb,db,rl-u", "--seeds", "3", "--iterations", "200"];
            string clusterOut = Path.Combine(root, "cluster"), localOut = Path.Combine(root, "local");
            var output = new StringBuilder();
            using (var client = CliHarness.Start(output, [.. compare, "--out", clusterOut, "--cluster", redis.Connection, "--checkpoint-every", "20"]))
            {
                a.WaitFor("checkpoint of iteration", 0, TimeSpan.FromSeconds(60));
                a.Kill();
                Finish(client, output, TimeSpan.FromSeconds(90));
            }
            string log = output.ToString();
            StringAssert.Contains(log, "[9/9]", log);
            Assert.IsFalse(log.Contains("[10/9]", StringComparison.Ordinal), log);
            string survivors = b.Output + c.Output;
            StringAssert.Contains(survivors, "resumed from iteration", survivors);
            var local = CliHarness.RunInProcess([.. compare, "--out", localOut]);
            Assert.AreEqual(0, local.ExitCode, local.ToString());
            var clusterJson = WithoutTimes(JsonNode.Parse(File.ReadAllText(Path.Combine(clusterOut, "compare.json")))!);
            var localJson = WithoutTimes(JsonNode.Parse(File.ReadAllText(Path.Combine(localOut, "compare.json")))!);
            Assert.AreEqual(9, clusterJson["methods"]!.AsArray().Sum(m => m!["runs"]!.AsArray().Count));
            Assert.AreEqual(Metrics.Canonical(localJson), Metrics.Canonical(clusterJson), "compare.json on the cluster (one silo killed) differs from in-process beyond seconds");

            // sample: 25,000 samples in chunks of 10,000 on silos b and c, the same rows as one process on the CPU.
            string model = Path.Combine(root, "model.onnx");
            var trained = CliHarness.RunInProcess(["train", .. CompareGrid, "--method", "tb", "--iterations", "20", "--seed", "1",
                "--out", Path.Combine(root, "train"), "--export", model]);
            Assert.AreEqual(0, trained.ExitCode, trained.ToString());
            var (sampled, sampleLog) = CliHarness.RunChild(TimeSpan.FromSeconds(60), "sample", "--model", model, "-n", "25000", "--seed", "4",
                "--out", Path.Combine(root, "cluster.csv"), "--cluster", redis.Connection);
            Assert.AreEqual(0, sampled, sampleLog);
            StringAssert.Contains(sampleLog, $"on the cluster at {redis.Connection}", sampleLog);
            var sampledHere = CliHarness.RunInProcess(["sample", "--model", model, "-n", "25000", "--seed", "4", "--device", "cpu", "--out", Path.Combine(root, "local.csv")]);
            Assert.AreEqual(0, sampledHere.ExitCode, sampledHere.ToString());
            string clusterCsv = File.ReadAllText(Path.Combine(root, "cluster.csv"));
            Assert.AreEqual(25001, clusterCsv.Count(ch => ch == '\n'));
            Assert.AreEqual(File.ReadAllText(Path.Combine(root, "local.csv")), clusterCsv, "the cluster's samples differ from one process's");

            // tune: 4 trials, 2 at a time; silo b is killed once it has stored a checkpoint of a trial.
            string[] tune = ["tune", .. Grid, "--method", "tb", "--trials", "4", "--iterations", "100", "--parallel", "2", "--seed", "3"];
            string tuneCluster = Path.Combine(root, "tune-cluster"), tuneLocal = Path.Combine(root, "tune-local");
            int from = b.Output.Length;
            output.Clear();
            using (var client = CliHarness.Start(output, [.. tune, "--out", tuneCluster, "--cluster", redis.Connection, "--checkpoint-every", "10"]))
            {
                b.WaitFor("checkpoint of iteration", from, TimeSpan.FromSeconds(60));
                b.Kill();
                Finish(client, output, TimeSpan.FromSeconds(90));
            }
            var localTune = CliHarness.RunInProcess([.. tune, "--out", tuneLocal]);
            Assert.AreEqual(0, localTune.ExitCode, localTune.ToString());
            var clusterTrials = Trials(tuneCluster);
            var localTrials = Trials(tuneLocal);
            Assert.AreEqual(4, clusterTrials.Count);
            CollectionAssert.AreEqual(localTrials, clusterTrials, $"tune on the cluster (one silo killed) differs from in-process:\n{output}");
        }
        finally
        {
            CliHarness.DeleteQuietly(root);
        }
    }

    [TestMethod]
    public void UnreachableClusterNoSiloSpecVersionAndTheLastSiloDyingAreOneLineErrorsNamingTheRuns()
    {
        string root = CliHarness.TempDirectory();
        try
        {
            // No Redis at all: one line, exit 1, within the connect timeout.
            var watch = Stopwatch.StartNew();
            var down = CliHarness.RunInProcess(["compare", .. CompareGrid, "--methods", "tb", "--seeds", "1", "--iterations", "10", "--out", Path.Combine(root, "x"), "--cluster", $"redis://127.0.0.1:{RedisServer.FreePort()}"]);
            Assert.AreEqual(1, down.ExitCode, down.ToString());
            Assert.AreEqual(1, down.ErrorLines.Length, down.ToString());
            StringAssert.StartsWith(down.ErrorLines[0], "gflownet compare: cannot reach the cluster at redis://127.0.0.1:", down.ToString());
            Assert.IsFalse(down.ErrorLines[0].Contains("abortConnect", StringComparison.Ordinal), "the Redis driver's advice on its own options is left out: " + down.ErrorLines[0]);
            Assert.IsTrue(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");

            using var redis = RedisServer.Start();
            // Redis up, no silo: the same error.
            var noSilo = CliHarness.RunInProcess(["tune", .. Grid, "--method", "tb", "--trials", "1", "--iterations", "10", "--out", Path.Combine(root, "y"), "--cluster", redis.Connection]);
            Assert.AreEqual(1, noSilo.ExitCode, noSilo.ToString());
            StringAssert.Contains(noSilo.StdErr, $"cannot reach the cluster at {redis.Connection}", noSilo.ToString());

            using var silo = Silo.Start(redis);
            silo.WaitFor("silo joined the cluster", 0, SiloStart);
            var env = new HyperGrid(2, 8);
            GFlowNetTrainerOptions Options(long seed) => new()
            {
                Method = TrainingMethod.TrajectoryBalance, Iterations = 30, BatchSize = 16, EvalEvery = 10, Seed = seed,
                PolicyHiddenWidth = 32, CriticHiddenWidth = 32,
            };
            using (var cluster = GFlowNetCluster.ConnectAsync(redis.Connection).GetAwaiter().GetResult())
            {
                // The library API: two runs with progress, equal to the trainer in this process.
                var reports = new List<ClusterRunProgress>();
                var specs = new[] { 5L, 6L }.Select(s => RunSpec.Create($"tb seed {s}", env, Options(s), checkpointEvery: 10)).ToList();
                var results = cluster.RunAsync(specs, new SynchronousProgress<ClusterRunProgress>(p => { lock (reports) reports.Add(p); })).GetAwaiter().GetResult();
                Assert.AreEqual(2, results.Count);
                for (int i = 0; i < 2; i++)
                {
                    using var trainer = new GFlowNetTrainer(env, Options(5 + i));
                    var alone = trainer.Train();
                    Assert.AreEqual(alone.Final with { Seconds = 0 }, results[i].Result.Final with { Seconds = 0 });
                    CollectionAssert.AreEqual(alone.History.Select(h => h with { Seconds = 0 }).ToList(), results[i].Result.History.Select(h => h with { Seconds = 0 }).ToList());
                    Assert.IsTrue(reports.Any(r => r.Index == i && r.State == ClusterRunState.Finished && r.Result is not null), $"no Finished report for run {i}");
                }

                // A spec of a newer format: the run fails with a message naming it and the versions.
                var future = RunSpec.Create("tb seed 7", env, Options(7)) with { FormatVersion = RunSpec.CurrentFormatVersion + 98 };
                var failed = Assert.ThrowsExactly<ClusterRunFailedException>(() => cluster.RunAsync([future]).GetAwaiter().GetResult());
                Assert.AreEqual("tb seed 7", failed.Run);
                StringAssert.Contains(failed.Message, "run 'tb seed 7' failed on silo");
                StringAssert.Contains(failed.Message, $"spec format version {RunSpec.CurrentFormatVersion + 98}, which this silo");
            }

            // The last silo killed mid-run: the job waits --cluster-wait seconds, then fails naming the unfinished runs.
            var output = new StringBuilder();
            int from = silo.Output.Length;
            using var client = CliHarness.Start(output, ["compare", .. CompareGrid, "--methods", "tb,db", "--seeds", "2", "--iterations", "200", "--out", Path.Combine(root, "z"),
                "--cluster", redis.Connection, "--checkpoint-every", "20", "--cluster-wait", "3"]);
            silo.WaitFor("checkpoint of iteration", from, TimeSpan.FromSeconds(60));
            silo.Kill();
            watch.Restart();
            Assert.IsTrue(client.WaitForExit(TimeSpan.FromSeconds(60)), $"compare did not give up within 60 s of the last silo's death:\n{output}");
            client.WaitForExit();
            string log = output.ToString();
            Assert.AreEqual(1, client.ExitCode, log);
            StringAssert.Contains(log, "waiting up to 3 s for one", log);
            StringAssert.Contains(log, $"no silo of the cluster at {redis.Connection} answered for 3 s; unfinished runs: ", log);
            StringAssert.Contains(log, "db seed 1", log);
            Assert.IsFalse(log.Contains("   at ", StringComparison.Ordinal), log);
        }
        finally
        {
            CliHarness.DeleteQuietly(root);
        }
    }

    [TestMethod]
    [DataRow("compare", "--cluster", "redis:/x", "--cluster must be redis://HOST:PORT")]
    [DataRow("compare", "--cluster", "redis://127.0.0.1:70000", "--cluster must be redis://HOST:PORT")]
    [DataRow("compare", "--cluster-wait", "5", "--cluster-wait applies only with --cluster")]
    [DataRow("compare", "--checkpoint-every", "5", "--checkpoint-every applies only with --cluster")]
    [DataRow("tune", "--cluster", "nowhere", "--cluster must be redis://HOST:PORT")]
    public void BadClusterOptionsAreUsageErrors(string command, string option, string value, string message)
    {
        string[] rest = command == "compare" ? ["--methods", "tb", "--out", "unused"] : ["--method", "tb", "--out", "unused"];
        var result = CliHarness.RunInProcess([command, .. command == "compare" ? CompareGrid : Grid, .. rest, option, value]);
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.AreEqual(1, result.ErrorLines.Length, result.ToString());
        StringAssert.Contains(result.ErrorLines[0], message, result.ToString());
    }

    [TestMethod]
    public void CompareWithClusterRefusesParallelAndSiloNeedsCluster()
    {
        var parallel = CliHarness.RunInProcess(["compare", .. CompareGrid, "--methods", "tb", "--out", "unused", "--cluster", "redis://127.0.0.1:1", "--parallel", "2"]);
        Assert.AreEqual(2, parallel.ExitCode, parallel.ToString());
        StringAssert.Contains(parallel.StdErr, "--threads and --parallel do not apply with --cluster");
        var silo = CliHarness.RunInProcess(["silo", "--slots", "2"]);
        Assert.AreEqual(2, silo.ExitCode, silo.ToString());
        StringAssert.Contains(silo.StdErr, "--cluster is required");
        var slots = CliHarness.RunInProcess(["silo", "--cluster", "localhost", "--slots", "0"]);
        Assert.AreEqual(2, slots.ExitCode, slots.ToString());
        StringAssert.Contains(slots.StdErr, "--slots");
    }

    private static void Finish(Process client, StringBuilder output, TimeSpan timeout)
    {
        if (!client.WaitForExit(timeout))
        {
            client.Kill(entireProcessTree: true);
            Assert.Fail($"the client did not finish within {timeout}:\n{output}");
        }
        client.WaitForExit();
        lock (output) Assert.AreEqual(0, client.ExitCode, output.ToString());
    }

    /// <summary>compare.json without its wall-clock fields (seconds, ms per iteration).</summary>
    private static JsonNode WithoutTimes(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (string key in o.Select(p => p.Key).ToList())
                {
                    if (key is "seconds" or "msPerIteration") o.Remove(key);
                    else if (o[key] is { } child) WithoutTimes(child);
                }
                break;
            case JsonArray a:
                foreach (var child in a) if (child is not null) WithoutTimes(child);
                break;
        }
        return node;
    }

    /// <summary>Each trial of tune.json as (trial, options, status, metric, iterations), in file order.</summary>
    private static List<string> Trials(string directory)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "tune.json")))!;
        return [.. json["trials"]!.AsArray().Select(t => $"{t!["trial"]} {t["options"]!.ToJsonString()} {t["status"]} {t["metric"]!.ToJsonString()} {t["iterations"]}")];
    }

    /// <summary>A <c>gflownet silo --slots 1</c> child process on free ports.</summary>
    private sealed class Silo : IDisposable
    {
        private readonly StringBuilder _output = new();
        private readonly Process _process;

        private Silo(RedisServer redis)
        {
            _process = CliHarness.Start(_output, "silo", "--cluster", redis.Connection, "--slots", "1",
                "--port", RedisServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--gateway-port", RedisServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        public static Silo Start(RedisServer redis) => new(redis);

        public string Output { get { lock (_output) return _output.ToString(); } }

        /// <summary>Waits until the silo's output after position <paramref name="from"/> holds <paramref name="text"/>.</summary>
        public void WaitFor(string text, int from, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (Output.IndexOf(text, Math.Min(from, Output.Length), StringComparison.Ordinal) < 0)
            {
                if (_process.HasExited) Assert.Fail($"the silo exited ({_process.ExitCode}) before '{text}':\n{Output}");
                if (DateTime.UtcNow > deadline) Assert.Fail($"the silo did not log '{text}' within {timeout}:\n{Output}");
                Thread.Sleep(50);
            }
        }

        /// <summary>SIGKILL.</summary>
        public void Kill()
        {
            _process.Kill();
            _process.WaitForExit();
        }

        public void Dispose()
        {
            try { if (!_process.HasExited) _process.Kill(); _process.WaitForExit(5000); }
            catch (InvalidOperationException) { }
            _process.Dispose();
        }
    }
}
