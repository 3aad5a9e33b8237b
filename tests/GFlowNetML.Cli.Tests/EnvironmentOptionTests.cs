using System.Text.Json.Nodes;

namespace GFlowNetML.Cli.Tests;

/// <summary>
/// <c>gflownet train --env sequence|dag|bitseq</c>: each environment trains through the same metrics.json contract, says
/// whether its metrics are exact or sampled, and rejects bad options with one line naming the option.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class EnvironmentOptionTests
{
    private string _dir = "";

    [TestInitialize]
    public void CreateDir() => _dir = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteDir() => CliHarness.DeleteQuietly(_dir);

    private int _runs;

    private JsonObject Train(params string[] args) => TrainWithOutput(args).Metrics;

    private (JsonObject Metrics, string StdOut) TrainWithOutput(params string[] args)
    {
        string outDir = Path.Combine(_dir, $"run{++_runs}"); // one folder per run: train refuses a folder holding another
        var result = CliHarness.RunInProcess(["train", .. args, "--iterations", "4", "--batch-size", "8", "--eval-every", "2",
            "--out", outDir, .. CliHarness.SmallNetworks]);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.AreEqual("", result.StdErr);
        return (Metrics.Read(outDir), result.StdOut);
    }

    [TestMethod]
    [DataRow("--env hypergrid", " of 4")]                                           // the 2² band cells of the 8×8 grid
    [DataRow("--env sequence --tokens 2 --length 4 --mode-fraction 0.25", " of 4")]  // ⌈0.25 · 16⌉ sequences
    [DataRow("--env bitseq --bits 24 --word 4 --codebook 8", "")]                   // sampled: the total is unknown
    public void ModesFoundAreReportedWithTheirTotalWhereItIsKnown(string env, string total)
    {
        var (metrics, stdout) = TrainWithOutput(env.Split(' '));
        long found = (long)metrics["final"]!["modesFound"]!;
        StringAssert.Matches(stdout, new System.Text.RegularExpressions.Regex($@"│ modes found\s+│\s+{found}{total} │"), stdout);
    }

    [TestMethod]
    public void SmallBitSequencesCountTheirModesOverTheEnumeratedSpace()
    {
        // The CLI's bitseq task with its seeded codebook; its modes are the 8-bit strings within ⌊8/5⌋ = 1 bit of a code.
        var env = new Environments.BitSequence(8, 2, 4, 1, 0);
        Assert.IsNull(env.TotalModes, "the environment does not know its total");
        int modes = 0;
        for (int x = 0; x < 256; x++)
            if (env.IsMode([x >> 6, (x >> 4) & 3, (x >> 2) & 3, x & 3])) modes++;
        Assert.IsTrue(modes > 0);
        var (metrics, stdout) = TrainWithOutput("--env", "bitseq", "--bits", "8", "--word", "2", "--codebook", "4");
        long found = (long)metrics["final"]!["modesFound"]!;
        StringAssert.Matches(stdout, new System.Text.RegularExpressions.Regex($@"│ modes found\s+│\s+{found} of {modes} │"), stdout);
    }

    [TestMethod]
    public void TheDagTaskHasNoModesAndPrintsNoModesFound()
    {
        var (_, stdout) = TrainWithOutput("--env", "dag", "--nodes", "3", "--edges", "1.5", "--samples", "30");
        StringAssert.Contains(stdout, "│ exact total variation");
        Assert.IsFalse(stdout.Contains("modes", StringComparison.Ordinal), stdout);
    }

    [TestMethod]
    [DataRow("write-any-blank", 2, 4, 81)]
    [DataRow("append", 2, 4, 31)]
    [DataRow("prepend-or-append", 3, 3, 40)]
    public void SequenceTrainsWithExactMetrics(string model, int tokens, int length, int states)
    {
        var metrics = Train("--env", "sequence", "--tokens", tokens.ToString(), "--length", length.ToString(), "--action-model", model);

        Assert.AreEqual("exact", (string?)metrics["evaluation"]);
        StringAssert.StartsWith((string?)metrics["environment"], $"sequence(tokens={tokens}, length={length}, action-model={model}");
        double tv = Metrics.Number(metrics["final"]!["exactTotalVariation"], "final.exactTotalVariation");
        Assert.IsTrue(tv >= 0 && tv <= 1, $"exact TV {tv}");
        Assert.IsNull(metrics["final"]!["sampled"]);
        Assert.AreEqual(3, metrics["history"]!.AsArray().Count, "evaluated at iterations 0, 2 and 4");
        Assert.IsTrue(states > 0);
    }

    [TestMethod]
    public void SequenceReadsARewardTableFromCsvAndNamesABadLine()
    {
        string csv = Path.Combine(_dir, "scores.csv");
        File.WriteAllLines(csv, ["sequence,score", "00,0.1", "01,0.5", "10,0.2", "11,1.0"]);
        var metrics = Train("--env", "sequence", "--tokens", "2", "--length", "2", "--rewards", csv, "--alpha", "1", "--r-min", "0");
        // R = 10·y/max y = (1, 5, 2, 10): Z* = 18.
        Assert.AreEqual(Math.Log(18), Metrics.Number(metrics["final"]!["trueLogZ"], "final.trueLogZ"), 1e-9);

        File.WriteAllLines(csv, ["sequence,score", "00,0.1", "01,NaN", "10,0.2", "11,1.0"]);
        var result = CliHarness.RunInProcess("train", "--env", "sequence", "--tokens", "2", "--length", "2", "--rewards", csv, "--out", Path.Combine(_dir, "bad"));
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.AreEqual($"gflownet train: --env sequence: line 3 of {csv}: the score of 01 is NaN; scores must be finite numbers.", result.StdErr.Trim());
    }

    [TestMethod]
    public void SequenceClampsNegativeScoresAtRMinAndRefusesThemWithRMinZeroNamingTheOption()
    {
        string csv = Path.Combine(_dir, "scores.csv");
        File.WriteAllLines(csv, ["sequence,score", "00,-0.25", "01,0.5", "10,0.2", "11,1.0"]);
        var metrics = Train("--env", "sequence", "--tokens", "2", "--length", "2", "--rewards", csv, "--alpha", "1", "--r-min", "0.2");
        // max(y, 0.2) = (0.2, 0.5, 0.2, 1), α = 1, max R = 10 → R = (2, 5, 2, 10): Z* = 19.
        Assert.AreEqual(Math.Log(19), Metrics.Number(metrics["final"]!["trueLogZ"], "final.trueLogZ"), 1e-9);

        var result = CliHarness.RunInProcess("train", "--env", "sequence", "--tokens", "2", "--length", "2", "--rewards", csv, "--r-min", "0", "--out", Path.Combine(_dir, "bad"));
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        Assert.AreEqual($"gflownet train: --env sequence: line 2 of {csv}: the score of 00 is -0.25, which is negative, and R_min is 0 (--r-min 0), so the transform max(y, R_min)^α would raise a negative number to a power; set --r-min above 0 (the paper uses 1e-3) to clamp low and negative scores to R_min before the power, or remove scores ≤ 0 from the table.", result.StdErr.Trim());
    }

    /// <summary>The paper's QM9 oracle table, raw (607 negative scores), as a CSV file: the project's shipped copy
    /// (src/GFlowNetML.Core/Data/qm9str.csv.gz, whose SHA-256 a core test checks) decompressed into the test folder.</summary>
    private string RawQm9Csv()
    {
        string csv = Path.Combine(_dir, "qm9str.csv");
        using var gz = File.OpenRead(Path.Combine(CliHarness.RepositoryRoot, "src", "GFlowNetML.Core", "Data", "qm9str.csv.gz"));
        using var gzip = new System.IO.Compression.GZipStream(gz, System.IO.Compression.CompressionMode.Decompress);
        using var file = File.Create(csv);
        gzip.CopyTo(file);
        return csv;
    }

    [TestMethod]
    public void TheRawQm9TableLoadsThroughRewardsWithThePapersLogPartition()
    {
        var metrics = Train("--env", "sequence", "--tokens", "11", "--length", "5", "--rewards", RawQm9Csv(), "--alphabet", "0123456789a",
            "--alpha", "5", "--r-min", "0.001");
        // log Σ_x max(y, 1e-3)^5 rescaled to max R = 10, in double precision (the data's provenance note's reference value).
        Assert.AreEqual(9.6241168816014, Metrics.Number(metrics["final"]!["trueLogZ"], "final.trueLogZ"), 1e-6);
        Assert.AreEqual("exact", (string?)metrics["evaluation"]);
    }

    [TestMethod]
    public void Qm9IsABuiltInTaskWithThePapersSettings()
    {
        var (metrics, stdout) = TrainWithOutput("--env", "qm9");
        Assert.AreEqual(9.6241168816014, Metrics.Number(metrics["final"]!["trueLogZ"], "final.trueLogZ"), 1e-6);
        StringAssert.StartsWith((string?)metrics["environment"], "sequence(tokens=11, length=5, action-model=write-any-blank, reward=qm9(tokens=11, length=5, hash=");
        StringAssert.Contains((string?)metrics["environment"], "alpha=5, r-min=0.001, max-reward=10, mode-fraction=0.005, mode-count=805, alphabet=0123456789a)");
        long found = (long)metrics["final"]!["modesFound"]!;
        StringAssert.Matches(stdout, new System.Text.RegularExpressions.Regex($@"│ modes found\s+│\s+{found} of 805 │"), stdout);

        // The same table read from its raw CSV with --mode-count 805 is the same task.
        var raw = Train("--env", "sequence", "--tokens", "11", "--length", "5", "--rewards", RawQm9Csv(), "--alphabet", "0123456789a",
            "--alpha", "5", "--r-min", "0.001", "--mode-count", "805");
        Assert.AreEqual((double)metrics["final"]!["exactTotalVariation"]!, (double)raw["final"]!["exactTotalVariation"]!, 1e-12, "same seed, same task");
    }

    [TestMethod]
    public void Qm9SamplesCarryTheirBlocksSmiles()
    {
        string run = Path.Combine(_dir, "qm9"), model = Path.Combine(_dir, "qm9.onnx"), csv = Path.Combine(_dir, "samples.csv");
        var train = CliHarness.RunInProcess(["train", "--env", "qm9", "--iterations", "2", "--batch-size", "8", "--eval-every", "2",
            "--out", run, "--export", model, .. CliHarness.SmallNetworks]);
        Assert.AreEqual(0, train.ExitCode, train.ToString());
        var sample = CliHarness.RunInProcess("sample", "--model", model, "-n", "50", "--out", csv, "--device", "cpu");
        Assert.AreEqual(0, sample.ExitCode, sample.ToString());
        string[] lines = File.ReadAllLines(csv);
        Assert.AreEqual("object,log_probability,log_reward,blocks", lines[0]);
        Assert.AreEqual(51, lines.Length);
        string[] smiles = ["C", "O", "N", "C-F", "C=O", "C=C", "C#C", "c1ccccc1", "C1CCCCC1", "C1CCNC1", "CCC"];
        foreach (string line in lines.Skip(1))
        {
            string[] fields = line.Split(',');
            string sequence = fields[0].Trim('"');
            Assert.AreEqual(5, sequence.Length, line);
            Assert.AreEqual(string.Join(' ', sequence.Select(c => smiles["0123456789a".IndexOf(c)])), fields[3].Trim('"'), line);
        }
    }

    [TestMethod]
    public void DagReportsExactMetricsAndEdgeMarginals()
    {
        var metrics = Train("--env", "dag", "--nodes", "3", "--edges", "1.5", "--samples", "30");

        Assert.AreEqual("exact", (string?)metrics["evaluation"]);
        var marginals = metrics["edgeMarginals"]!.AsObject();
        var posterior = marginals["posterior"]!.AsArray();
        var sampler = marginals["sampler"]!.AsArray();
        Assert.AreEqual(3, posterior.Count);
        double largest = 0, sum = 0;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                double p = (double)posterior[i]![j]!, q = (double)sampler[i]![j]!;
                Assert.IsTrue(p >= 0 && p <= 1 && q >= 0 && q <= 1, $"marginals are probabilities: {p}, {q}");
                if (i == j) Assert.AreEqual(0, p);
                largest = Math.Max(largest, Math.Abs(p - q));
                sum += Math.Abs(p - q);
            }
        Assert.AreEqual(largest, Metrics.Number(marginals["maxAbsoluteDifference"], "max"), 1e-12);
        Assert.AreEqual(sum / 6, Metrics.Number(marginals["meanAbsoluteDifference"], "mean"), 1e-12);
    }

    [TestMethod]
    public void DagReadsAUserDataMatrix()
    {
        string csv = Path.Combine(_dir, "data.csv");
        var rows = new List<string> { "a,b" };
        for (int i = 0; i < 20; i++) rows.Add(FormattableString.Invariant($"{i * 0.1},{i * 0.2 + (i % 3) * 0.05}"));
        File.WriteAllLines(csv, rows);
        var metrics = Train("--env", "dag", "--data", csv);
        var nodes = metrics["edgeMarginals"]!["nodes"]!.AsArray().Select(n => (string?)n).ToArray();
        CollectionAssert.AreEqual(new[] { "a", "b" }, nodes);
    }

    [TestMethod]
    public void BitSequenceTooLargeToEnumerateReportsSampledMetrics()
    {
        var metrics = Train("--env", "bitseq", "--bits", "24", "--word", "4", "--codebook", "8");

        Assert.AreEqual("sampled", (string?)metrics["evaluation"]);
        var final = metrics["final"]!.AsObject();
        Assert.IsNull(final["exactTotalVariation"]);
        var sampled = final["sampled"]!.AsObject();
        Assert.AreEqual(1000, (int?)sampled["samples"]);
        double top = Metrics.Number(sampled["topKMeanReward"], "topKMeanReward");
        double mean = Metrics.Number(sampled["meanReward"], "meanReward");
        double max = Metrics.Number(sampled["maxReward"], "maxReward");
        Assert.IsTrue(mean <= top && top <= max, $"mean {mean} ≤ top-k mean {top} ≤ max {max}");
        double diversity = Metrics.Number(sampled["diversity"], "diversity");
        Assert.IsTrue(diversity > 0 && diversity <= 6, $"diversity {diversity} is a Hamming distance over 6 words");
        foreach (var entry in metrics["history"]!.AsArray()) Assert.IsNotNull(entry!["sampled"]);
    }

    [TestMethod]
    public void BitSequenceSmallEnoughToEnumerateReportsExactMetrics()
        => Assert.AreEqual("exact", (string?)Train("--env", "bitseq", "--bits", "8", "--word", "2", "--codebook", "4")["evaluation"]);

    [TestMethod]
    public void SequenceRunResumesFromItsCheckpoint()
    {
        string outDir = Path.Combine(_dir, "resumable");
        var first = CliHarness.RunInProcess(["train", "--env", "sequence", "--tokens", "2", "--length", "3", "--iterations", "2",
            "--batch-size", "4", "--eval-every", "1", "--checkpoint-every", "1", "--out", outDir, .. CliHarness.SmallNetworks]);
        Assert.AreEqual(0, first.ExitCode, first.ToString());
        var resumed = CliHarness.RunInProcess("train", "--resume", outDir, "--iterations", "4");
        Assert.AreEqual(0, resumed.ExitCode, resumed.ToString());
        Assert.AreEqual(4, (long?)Metrics.Read(outDir)["final"]!["iteration"]);
    }

    [TestMethod]
    public void CompareRunsOnAnEnumerableSequenceTaskAndRefusesASpaceItCannotEnumerate()
    {
        string outDir = Path.Combine(_dir, "compare");
        var result = CliHarness.RunInProcess(["compare", "--env", "sequence", "--tokens", "2", "--length", "3", "--methods", "rl-u,tb",
            "--seeds", "1", "--iterations", "4", "--batch-size", "8", "--eval-every", "2", "--out", outDir, .. CliHarness.SmallNetworks]);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        var compare = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "compare.json")))!.AsObject();
        StringAssert.Contains(compare.ToJsonString(), "sequence(tokens=2, length=3");

        var refused = CliHarness.RunInProcess("compare", "--env", "bitseq", "--methods", "rl-u,tb", "--out", Path.Combine(_dir, "refused"));
        Assert.AreEqual(2, refused.ExitCode, refused.ToString());
        StringAssert.Contains(refused.StdErr, "needs an environment whose states can be enumerated");
    }

    [TestMethod]
    [DataRow("--env dag --height 4", "--height is an option of --env hypergrid; it does not apply to --env dag")]
    [DataRow("--env qm9 --tokens 4", "--tokens is an option of --env sequence; it does not apply to --env qm9 (whose options are: --action-model, --alpha, --r-min, --max-reward).")]
    [DataRow("--env qm9 --r-min 0", "--env qm9: line 5891 of the shipped QM9 table (qm9str.csv.gz): the score of 04474 is -0.08382207900285721, which is negative, and R_min is 0 (--r-min 0), so the transform max(y, R_min)^α would raise a negative number to a power; set --r-min above 0")]
    [DataRow("--env sequence --tokens 2 --length 3 --mode-count 9", "--mode-count must be at most the number of sequences, 2^3 = 8; got 9.")]
    [DataRow("--env sequence --mode-count 0", "--mode-count must be an integer of at least 1; got '0'.")]
    [DataRow("--env nope", "--env must be one of: hypergrid, sequence, qm9, dag, bitseq; got 'nope'.")]
    [DataRow("--env sequence --action-model insert", "--action-model must be one of: write-any-blank, append, prepend-or-append; got 'insert'.")]
    [DataRow("--env sequence --rewards /nonexistent/scores.csv", "--rewards '/nonexistent/scores.csv' does not exist.")]
    [DataRow("--env dag --data /nonexistent/data.csv", "--data '/nonexistent/data.csv' does not exist.")]
    [DataRow("--env dag --data x.csv --samples 10", "--edges, --samples, --noise and --data-seed shape the generated data; they cannot be used with --data FILE.")]
    [DataRow("--env dag --nodes 21", "--nodes must be an integer in 1..20; got '21'.")]
    [DataRow("--env bitseq --bits 10 --word 4", "--bits must be a multiple of --word; got 10 and 4.")]
    [DataRow("--env sequence --tokens 4 --length 20", "--env sequence:")]
    [DataRow("--env bitseq --method rl-g", "--method rl-g needs a guide, and --env bitseq has none built in (the paper defines none for it); use rl-b, which learns P_B without a guide.")]
    public void BadEnvironmentOptionsExitWithCode2AndOneLine(string args, string expected)
    {
        var result = CliHarness.RunInProcess(["train", .. args.Split(' '), "--out", Path.Combine(_dir, "bad")]);
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        StringAssert.Contains(result.StdErr, expected);
        Assert.AreEqual(1, result.StdErr.Trim().Split('\n').Length, result.StdErr);
        Assert.AreEqual("", result.StdOut);
    }
}
