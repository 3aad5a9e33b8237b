namespace GFlowNetML.Cli.Tests;

/// <summary>
/// A bad <c>gflownet train</c> option exits with code 2 and prints exactly one line on standard error,
/// <c>gflownet train: MESSAGE</c>, naming the option, the value given and the allowed values; nothing is trained and
/// the --out folder is not even created.
/// </summary>
[TestClass]
public sealed class TrainUsageErrorTests
{
    private string _root = "";

    [TestInitialize]
    public void CreateRoot() => _root = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteRoot() => CliHarness.DeleteQuietly(_root);

    /// <summary>A valid train command (tiny) whose options <paramref name="overrides"/> replaces or extends.</summary>
    private string[] TrainArgs(string overrides, string outDir)
    {
        var options = new List<(string Name, string Value)>
        {
            ("--env", "hypergrid"), ("--ndim", "2"), ("--height", "4"), ("--r0", "0.01"), ("--method", "tb"),
            ("--iterations", "2"), ("--batch-size", "4"), ("--seed", "0"), ("--eval-every", "1"), ("--out", outDir),
        };
        var tokens = overrides.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < tokens.Length; i += 2)
        {
            int at = options.FindIndex(o => o.Name == tokens[i]);
            if (at >= 0) options[at] = (tokens[i], tokens[i + 1]);
            else options.Add((tokens[i], tokens[i + 1]));
        }
        return ["train", .. options.SelectMany(o => new[] { o.Name, o.Value })];
    }

    private static void AssertOneLineUsageError(CliResult result, string command, params string[] fragments)
    {
        Assert.AreEqual(2, result.ExitCode, result.ToString());
        var lines = result.ErrorLines;
        Assert.HasCount(1, lines, $"exactly one line on stderr:\n{result.StdErr}");
        Assert.StartsWith($"gflownet {command}: ", lines[0]);
        foreach (var fragment in fragments) Assert.Contains(fragment, lines[0]);
    }

    [TestMethod]
    [DataRow("--height 1", "--height must be an integer in 2..1048576; got '1'.")]
    [DataRow("--ndim 0", "--ndim must be an integer in 1..64; got '0'.")]
    [DataRow("--ndim 65", "--ndim must be an integer in 1..64; got '65'.")]
    [DataRow("--r0 0", "--r0 must be a number greater than 0; got '0'.")]
    [DataRow("--r0 -1", "--r0 must be a number greater than 0; got '-1'.")]
    [DataRow("--r0 NaN", "--r0 must be a number greater than 0; got 'NaN'.")]
    [DataRow("--r1 -0.5", "--r1 must be a number of at least 0; got '-0.5'.")]
    [DataRow("--lr -0.1", "--lr must be a number greater than 0; got '-0.1'.")]
    [DataRow("--lr-logz -1", "--lr-logz must be a number greater than 0; got '-1'.")]
    [DataRow("--lr-critic 0", "--lr-critic must be a number greater than 0; got '0'.")]
    [DataRow("--method foo", "--method must be one of: rl-u, rl-b, rl-g, rl-t, tb, db, subtb, fm; got 'foo'.")]
    [DataRow("--env foo", "--env must be one of: hypergrid, sequence, qm9, dag, bitseq; got 'foo'.")]
    [DataRow("--iterations 0", "--iterations must be an integer of at least 1; got '0'.")]
    [DataRow("--iterations 1.5", "--iterations must be an integer of at least 1; got '1.5'.")]
    [DataRow("--batch-size 0", "--batch-size must be an integer in 1..1048576; got '0'.")]
    [DataRow("--height 256 --batch-size 100000", "--batch-size 100000 (or --eval-samples 1000) × trajectories of up to 511 steps × 1539 values per step could need 293 GiB; at most 16 GiB per batch are allowed (lower --batch-size, --eval-samples or the network's width).")]
    [DataRow("--eval-every 0", "--eval-every must be an integer of at least 1; got '0'.")]
    [DataRow("--checkpoint-every -1", "--checkpoint-every must be an integer of at least 0; got '-1'.")]
    [DataRow("--threads 0", "--threads must be an integer in 1..256; got '0'.")]
    [DataRow("--seed abc", "--seed must be an integer; got 'abc'.")]
    [DataRow("--lambda 1.5", "--lambda must be a number in [0, 1]; got '1.5'.")]
    [DataRow("--epsilon-start 0.2 --epsilon-end 0.5", "--epsilon-end must be a number in [0, 0.2]; got '0.5'.")]
    [DataRow("--epsilon-decay 2", "--epsilon-decay must be a number in [0, 1]; got '2'.")]
    [DataRow("--hidden-width 0", "--hidden-width must be an integer in 1..65536; got '0'.")]
    [DataRow("--method rl-u --epsilon-start 0.5", "--epsilon-start must be 0 for --method rl-u (policy-gradient methods sample strictly on-policy); got '0.5'.")]
    [DataRow("--hidden-width 46340 --hidden-layers 2", "--hidden-layers 2 × --hidden-width 46340 would give the forward policy network 2,147,998,023 parameters on this environment; at most 268,435,456 are supported (lower --hidden-width or --hidden-layers).")]
    [DataRow("--critic-width 65536 --critic-layers 64", "--critic-layers 64 × --critic-width 65536 would give the critic network 270,587,723,777 parameters on this environment; at most 268,435,456 are supported (lower --critic-width or --critic-layers).")]
    [DataRow("--ndim 64 --height 20000", "--ndim × --height must be at most 1048576 (the width of the K-hot encoding); got 64 × 20000.")]
    public void BadOptionExitsWithCode2AndOneLineNamingOptionAndAllowedValues(string overrides, string message)
    {
        string outDir = Path.Combine(_root, "out");

        var result = CliHarness.RunInProcess(TrainArgs(overrides, outDir));

        AssertOneLineUsageError(result, "train");
        Assert.AreEqual($"gflownet train: {message}", result.ErrorLines[0]);
        Assert.IsFalse(Directory.Exists(outDir), "a rejected command must not create its --out folder");
    }

    [TestMethod]
    [DataRow("--foo", "1")]
    [DataRow("--foo", null)]
    public void UnknownOptionWithNoCloseNamePointsToHelp(string option, string? value)
    {
        string outDir = Path.Combine(_root, "out");
        string[] extra = value is null ? [option] : [option, value];
        var result = CliHarness.RunInProcess([.. TrainArgs("", outDir), .. extra]);

        AssertOneLineUsageError(result, "train");
        Assert.AreEqual("gflownet train: Unknown option --foo for 'train'; 'gflownet train --help' lists its options.", result.ErrorLines[0]);
        Assert.IsFalse(Directory.Exists(outDir));
    }

    [TestMethod]
    [DataRow("--hieght", "height")]        // a swap
    [DataRow("--iteration", "iterations")] // a letter missing
    [DataRow("--lr-crtic", "lr-critic")]
    [DataRow("--batchsize", "batch-size")]
    [DataRow("--learn-backwards", "learn-backward")] // a switch
    [DataRow("--checkpoint", "checkpoint-every")]    // a prefix
    public void UnknownOptionSuggestsTheClosestKnownOne(string option, string suggestion)
    {
        string outDir = Path.Combine(_root, "out");
        var result = CliHarness.RunInProcess([.. TrainArgs("", outDir), option, "3"]);

        AssertOneLineUsageError(result, "train");
        Assert.AreEqual($"gflownet train: Unknown option {option} for 'train'; did you mean --{suggestion}?", result.ErrorLines[0]);
        Assert.IsFalse(Directory.Exists(outDir));
    }

    [TestMethod]
    public void AnOptionFollowedByAnotherOptionHasNoValue()
    {
        var result = CliHarness.RunInProcess("train", "--ndim", "--height", "4", "--out", Path.Combine(_root, "out"));

        AssertOneLineUsageError(result, "train");
        Assert.AreEqual("gflownet train: --ndim needs a value.", result.ErrorLines[0]);
    }

    [TestMethod]
    public void MethodErrorListsEveryAllowedMethod()
    {
        var result = CliHarness.RunInProcess(TrainArgs("--method foo", Path.Combine(_root, "out")));

        AssertOneLineUsageError(result, "train", "--method", "rl-u, rl-b, rl-g, rl-t, tb, db, subtb, fm", "'foo'");
    }

    [TestMethod]
    public void OptionWithoutValueAtTheEndIsNamed()
    {
        var result = CliHarness.RunInProcess([.. TrainArgs("", Path.Combine(_root, "out")), "--seed"]);

        AssertOneLineUsageError(result, "train");
        Assert.AreEqual("gflownet train: --seed needs a value.", result.ErrorLines[0]);
    }

    [TestMethod]
    public void OptionGivenTwiceIsRejected()
    {
        var result = CliHarness.RunInProcess([.. TrainArgs("", Path.Combine(_root, "out")), "--ndim", "3"]);

        AssertOneLineUsageError(result, "train");
        Assert.AreEqual("gflownet train: --ndim is given twice.", result.ErrorLines[0]);
    }

    [TestMethod]
    public void BareWordIsRejected()
    {
        var result = CliHarness.RunInProcess([.. TrainArgs("", Path.Combine(_root, "out")), "extra"]);

        AssertOneLineUsageError(result, "train");
        Assert.AreEqual("gflownet train: Unexpected argument 'extra'; options look like --name value.", result.ErrorLines[0]);
    }

    [TestMethod]
    public void MissingOutIsRequired()
    {
        var args = TrainArgs("", "unused").ToList();
        int at = args.IndexOf("--out");
        args.RemoveRange(at, 2);

        var result = CliHarness.RunInProcess([.. args]);

        AssertOneLineUsageError(result, "train");
        Assert.AreEqual("gflownet train: --out is required: the folder metrics.json is written to.", result.ErrorLines[0]);
    }

    [TestMethod]
    public void OutUnderARegularFileIsNotWritable()
    {
        string file = Path.Combine(_root, "a-file");
        File.WriteAllText(file, "not a folder");
        string outDir = Path.Combine(file, "sub");

        var result = CliHarness.RunInProcess(TrainArgs("", outDir));

        AssertOneLineUsageError(result, "train", $"--out '{outDir}' is not a writable folder");
        Assert.AreEqual("not a folder", File.ReadAllText(file), "the file in the way is left alone");
    }

    [TestMethod]
    public void OutThatIsARegularFileIsNotWritable()
    {
        string file = Path.Combine(_root, "a-file");
        File.WriteAllText(file, "not a folder");

        var result = CliHarness.RunInProcess(TrainArgs("", file));

        AssertOneLineUsageError(result, "train", $"--out '{file}' is not a writable folder");
    }
}
