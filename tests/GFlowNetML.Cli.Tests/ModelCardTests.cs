using System.Globalization;
using System.Text.RegularExpressions;
using GFlowNetML.Onnx;

namespace GFlowNetML.Cli.Tests;

/// <summary>
/// The hyper-grid model card of models/README.md states figures its own "Made with" command produces: the test reads that
/// command from the card (so the two cannot diverge), runs it in-process into a temporary folder and model file, and
/// checks the card's iterations, trajectories, exact TV, Jensen–Shannon, log Z, true log Z and modes.
/// </summary>
[TestClass]
public sealed partial class ModelCardTests
{
    private const string Card = "hypergrid-d2-h8-tb.onnx";

    [TestMethod]
    public void HyperGridCard_MadeWithCommand_ReproducesTheCardsFigures()
    {
        var rows = CardRows(Card);
        string command = Backticked(rows["Made with"]);
        var args = command.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        Assert.AreEqual("gflownet", args[0], command);
        args.RemoveAt(0);

        string dir = CliHarness.TempDirectory();
        try
        {
            string output = Path.Combine(dir, "run"), export = Path.Combine(dir, "model.onnx");
            ReplaceValue(args, "--out", output, command);
            ReplaceValue(args, "--export", export, command);
            var result = CliHarness.RunInProcess([.. args]);
            Assert.AreEqual(0, result.ExitCode, result.ToString());

            var final = Metrics.Read(output)["final"]!.AsObject();
            var training = Regex.Match(rows["Training"], @"^([\d,]+) iterations × ([\d,]+) trajectories \(([\d,]+)\)");
            Assert.IsTrue(training.Success, rows["Training"]);
            Assert.AreEqual(Integer(training.Groups[1].Value), (long)final["iteration"]!, "iterations");
            Assert.AreEqual(Integer(training.Groups[3].Value), (long)final["trajectories"]!, "trajectories");

            string quality = rows.Single(r => r.Key.StartsWith("Quality", StringComparison.Ordinal)).Value;
            var q = QualityRow().Match(quality);
            Assert.IsTrue(q.Success, quality);
            // One torch thread and seed 0 make the run bit-deterministic (DeterminismTests check the CLI's runs are), so
            // each figure must be the card's to the precision it is printed with: within half a unit of its last digit.
            AssertPrinted(q.Groups["tv"].Value, (double)final["exactTotalVariation"]!, "exact total variation");
            AssertPrinted(q.Groups["jsd"].Value, (double)final["jensenShannon"]!, "Jensen–Shannon");
            AssertPrinted(q.Groups["logz"].Value, (double)final["logZ"]!, "log Z");
            AssertPrinted(q.Groups["true"].Value, (double)final["trueLogZ"]!, "true log Z");
            Assert.AreEqual(long.Parse(q.Groups["modes"].Value, CultureInfo.InvariantCulture), (long)final["modesFound"]!, "modes found");

            var model = SamplerModel.Load(export);
            Assert.AreEqual(Integer(training.Groups[1].Value), model.Training!.Iterations, "the export's recorded iterations");
            AssertPrinted(q.Groups["tv"].Value, model.Training.FinalMetrics["exact_tv"], "the export's recorded exact TV");
        }
        finally
        {
            CliHarness.DeleteQuietly(dir);
        }
    }

    /// <summary>Cheap, for both cards (the sequence model takes minutes to retrain): the card's training and quality
    /// figures are those the shipped file recorded at export, to the card's printed precision.</summary>
    [TestMethod]
    [DataRow("hypergrid-d2-h8-tb.onnx")]
    [DataRow("sequence-k4-l8-rl-u.onnx")]
    public void Card_QuotesTheShippedModelsRecordedFigures(string card)
    {
        var rows = CardRows(card);
        var model = SamplerModel.Load(Path.Combine(RepositoryRoot, "models", card));
        var recorded = model.Training!.FinalMetrics;
        var training = Regex.Match(rows["Training"], @"^([\d,]+) iterations × ([\d,]+) trajectories \(([\d,]+)\), seed (\d+)");
        Assert.IsTrue(training.Success, rows["Training"]);
        Assert.AreEqual(Integer(training.Groups[1].Value), model.Training.Iterations, "iterations");
        Assert.AreEqual(Integer(training.Groups[3].Value), model.Training.Trajectories, "trajectories");
        Assert.AreEqual(Integer(training.Groups[4].Value), model.Training.Seed, "seed");
        var q = QualityRow().Match(rows.Single(r => r.Key.StartsWith("Quality", StringComparison.Ordinal)).Value);
        Assert.IsTrue(q.Success, card);
        AssertPrinted(q.Groups["tv"].Value, recorded["exact_tv"], "exact total variation");
        AssertPrinted(q.Groups["jsd"].Value, recorded["jsd"], "Jensen–Shannon");
        AssertPrinted(q.Groups["logz"].Value, recorded["log_z"], "log Z");
        AssertPrinted(q.Groups["true"].Value, recorded["true_log_z"], "true log Z");
        Assert.AreEqual(double.Parse(q.Groups["modes"].Value, CultureInfo.InvariantCulture), recorded["modes_found"], "modes found");
    }

    [GeneratedRegex(@"total variation (?<tv>[\d.e-]+), Jensen–Shannon (?<jsd>[\d.e-]+) nats, log Z (?<logz>[\d.-]+) \(true (?<true>[\d.-]+)\), (?<modes>\d+) of \d+ modes found")]
    private static partial Regex QualityRow();

    /// <summary>The <c>| name | value |</c> rows of the card under <c>## <paramref name="name"/></c>.</summary>
    private static Dictionary<string, string> CardRows(string name)
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot, "models", "README.md"));
        int start = Array.IndexOf(lines, "## " + name);
        Assert.IsTrue(start >= 0, $"models/README.md has no '## {name}' card");
        var rows = new Dictionary<string, string>();
        foreach (string line in lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal)))
        {
            var cells = line.Split('|');
            if (cells.Length >= 4 && cells[1].Trim().Length > 0) rows[cells[1].Trim()] = cells[2].Trim();
        }
        return rows;
    }

    private static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "GFlowNetML.sln"))) return dir.FullName;
            throw new AssertFailedException($"No GFlowNetML.sln above {AppContext.BaseDirectory}.");
        }
    }

    private static string Backticked(string cell)
    {
        var m = Regex.Match(cell, "^`([^`]+)`$");
        Assert.IsTrue(m.Success, $"the card's command is not one `…` span: {cell}");
        return m.Groups[1].Value;
    }

    private static void ReplaceValue(List<string> args, string option, string value, string command)
    {
        int i = args.IndexOf(option);
        Assert.IsTrue(i >= 0 && i + 1 < args.Count, $"the card's command has no {option}: {command}");
        args[i + 1] = value;
    }

    private static long Integer(string text) => long.Parse(text.Replace(",", ""), CultureInfo.InvariantCulture);

    /// <summary><paramref name="actual"/> rounds to <paramref name="printed"/>: within half a unit of its last digit.</summary>
    private static void AssertPrinted(string printed, double actual, string what)
    {
        double value = double.Parse(printed, CultureInfo.InvariantCulture);
        string[] parts = printed.Split('e');
        int decimals = parts[0].Contains('.') ? parts[0].Length - parts[0].IndexOf('.') - 1 : 0;
        int exponent = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 0;
        double halfUnit = 0.5 * Math.Pow(10, exponent - decimals);
        Assert.AreEqual(value, actual, halfUnit * (1 + 1e-9), $"{what}: the run gives {actual:R}, the card {printed}");
    }
}
