using GFlowNetML.Cli.Plots;
using SkiaSharp;

namespace GFlowNetML.Cli.Tests;

/// <summary><c>gflownet train --plot</c>: curves.png and distribution.png for every environment kind, with the expected
/// size and content that follows the policy; <c>gflownet sample --plot</c>: the drawn objects against the target.</summary>
[TestClass]
public sealed class TrainPlotTests
{
    private string _dir = "";

    [TestInitialize]
    public void CreateDir() => _dir = CliHarness.TempDirectory();

    [TestCleanup]
    public void DeleteDir() => CliHarness.DeleteQuietly(_dir);

    private SKBitmap[] Train(string name, int iterations, params string[] environment)
    {
        string outDir = Path.Combine(_dir, name);
        var result = CliHarness.RunInProcess(["train", .. environment, "--method", "tb", "--iterations", iterations.ToString(),
            "--batch-size", "16", "--eval-every", "10", "--eval-samples", "200", "--seed", "3", "--out", outDir, "--plot",
            "--export", Path.Combine(outDir, "model.onnx"), .. CliHarness.SmallNetworks]);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        Assert.AreEqual("", result.StdErr);
        string[] files = [Path.Combine(outDir, TrainingPlots.CurvesFile), Path.Combine(outDir, TrainingPlots.DistributionFile)];
        foreach (var file in files) Assert.Contains($"Wrote {file}", result.StdOut);
        Assert.IsEmpty(Directory.GetFiles(outDir, "*.tmp"), "no temporary file is left behind");
        return [.. files.Select(f => SKBitmap.Decode(f) ?? throw new AssertFailedException($"{f} is not a PNG"))];
    }

    private static void AssertSize(SKBitmap bitmap, int panels, string what)
    {
        Assert.AreEqual(panels * GFlowNetML.Plots.GFlowNetPlots.PanelWidth, bitmap.Width, $"{what}: {panels} panels wide");
        Assert.AreEqual(GFlowNetML.Plots.GFlowNetPlots.PanelHeight, bitmap.Height, what);
    }

    /// <summary>The number of pixels of panel <paramref name="panel"/> that differ between two pictures.</summary>
    private static int DifferingPixels(SKBitmap a, SKBitmap b, int panel)
    {
        int count = 0;
        for (int y = 0; y < a.Height; y++)
            for (int x = panel * GFlowNetML.Plots.GFlowNetPlots.PanelWidth; x < (panel + 1) * GFlowNetML.Plots.GFlowNetPlots.PanelWidth; x++)
                if (a.GetPixel(x, y) != b.GetPixel(x, y)) count++;
        return count;
    }

    /// <summary>The number of distinct colours in panel <paramref name="panel"/>: a blank panel has one or two.</summary>
    private static int Colours(SKBitmap bitmap, int panel)
    {
        var colours = new HashSet<SKColor>();
        for (int y = 0; y < bitmap.Height; y += 2)
            for (int x = panel * GFlowNetML.Plots.GFlowNetPlots.PanelWidth; x < (panel + 1) * GFlowNetML.Plots.GFlowNetPlots.PanelWidth; x += 2)
                colours.Add(bitmap.GetPixel(x, y));
        return colours.Count;
    }

    [TestMethod]
    public void HyperGridHeatMapsFollowThePolicyOnTheTargetsFixedScale()
    {
        string[] grid = ["--env", "hypergrid", "--ndim", "2", "--height", "8"];
        var untrained = Train("untrained", 1, grid);
        var trained = Train("trained", 150, grid);
        foreach (var run in new[] { untrained, trained })
        {
            AssertSize(run[0], 2, "curves.png (evaluations, loss)");
            AssertSize(run[1], 3, "distribution.png (learned, target, difference)");
            for (int panel = 0; panel < 3; panel++) Assert.IsGreaterThan(20, Colours(run[1], panel), $"panel {panel} has content");
        }
        // The learned P_T panel changes with training by far more than its colour bar's labels; the target does not change at
        // all when the learned maximum stays below the target's (the shared scale is max(P_T, R/Z*)); the curves change.
        Assert.IsGreaterThan(5000, DifferingPixels(untrained[1], trained[1], 0), "learned P_T: untrained against trained");
        Assert.IsGreaterThan(5000, DifferingPixels(untrained[1], trained[1], 2), "difference map: untrained against trained");
        Assert.IsGreaterThan(1000, DifferingPixels(untrained[0], trained[0], 0), "curves");
    }

    [TestMethod]
    public void EnumerableSequenceGetsARankPlotAndAScatter()
    {
        var run = Train("sequence", 20, "--env", "sequence", "--tokens", "3", "--length", "3");
        AssertSize(run[0], 2, "curves.png");
        AssertSize(run[1], 2, "distribution.png (rank plot, scatter)");
        Assert.IsGreaterThan(10, Colours(run[1], 0));
        Assert.IsGreaterThan(10, Colours(run[1], 1));
    }

    [TestMethod]
    public void DagGetsThePosteriorAndSamplerEdgeMarginals()
    {
        var run = Train("dag", 10, "--env", "dag", "--nodes", "3");
        AssertSize(run[0], 2, "curves.png");
        AssertSize(run[1], 2, "distribution.png (posterior, sampler edge marginals)");
        Assert.IsGreaterThan(20, Colours(run[1], 0), "the posterior panel has content");
        Assert.IsGreaterThan(20, Colours(run[1], 1), "the sampler panel has content");
    }

    [TestMethod]
    public void SpaceTooLargeToEnumerateGetsTheRewardHistogram()
    {
        var run = Train("bitseq", 10, "--env", "bitseq", "--bits", "40", "--word", "4", "--codebook", "8");
        AssertSize(run[0], 2, "curves.png (sampled metrics, loss)");
        AssertSize(run[1], 1, "distribution.png (log-reward histogram)");
        Assert.IsGreaterThan(10, Colours(run[1], 0));
    }

    private SKBitmap Sample(string name, int n)
    {
        string csv = Path.Combine(_dir, name, "samples.csv");
        var result = CliHarness.RunInProcess(["sample", "--model", Path.Combine(_dir, name, "model.onnx"), "-n", n.ToString(), "--seed", "1",
            "--out", csv, "--plot"]);
        Assert.AreEqual(0, result.ExitCode, result.ToString());
        string png = Path.Combine(_dir, name, "samples.png");
        Assert.Contains($"Wrote {png}", result.StdOut);
        return SKBitmap.Decode(png) ?? throw new AssertFailedException($"{png} is not a PNG");
    }

    [TestMethod]
    public void SamplePlotShowsTheDrawnObjectsAgainstTheTarget()
    {
        string[] grid = ["--env", "hypergrid", "--ndim", "2", "--height", "8"];
        Train("untrained", 1, grid);
        Train("trained", 150, grid);
        SKBitmap untrained = Sample("untrained", 4000), trained = Sample("trained", 4000);
        AssertSize(trained, 3, "samples.png (empirical, target, difference)");
        Assert.IsGreaterThan(5000, DifferingPixels(untrained, trained, 0), "the empirical heat map follows the model");

        var refused = CliHarness.RunInProcess(["sample", "--model", Path.Combine(_dir, "trained", "model.onnx"), "-n", "10",
            "--out", Path.Combine(_dir, "trained", "samples.png"), "--plot"]);
        Assert.AreEqual(2, refused.ExitCode, refused.ToString());
        Assert.Contains("--plot writes", refused.StdErr);
        Assert.Contains("which is --out", refused.StdErr);
    }

    [TestMethod]
    public void SamplePlotOfASpaceTooLargeToEnumerateIsTheRewardHistogram()
    {
        Train("bitseq", 2, "--env", "bitseq", "--bits", "40", "--word", "4", "--codebook", "8");
        var picture = Sample("bitseq", 300);
        AssertSize(picture, 1, "samples.png (log-reward histogram)");
        Assert.IsGreaterThan(10, Colours(picture, 0));
    }
}
