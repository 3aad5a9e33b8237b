using System.Buffers.Binary;
using GFlowNetML.Environments;
using GFlowNetML.Evaluation;

namespace GFlowNetML.Plots.Tests;

/// <summary>The public pictures API: sizes by environment kind, content that follows the data, and bad input named.</summary>
[TestClass]
public sealed class GFlowNetPlotsTests
{
    private static (int Width, int Height) Size(byte[] png)
    {
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4], "a PNG");
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    private static double[] Uniform(int n) => [.. Enumerable.Repeat(1.0 / n, n)];

    [TestMethod]
    public void DistributionHasThePanelsOfItsEnvironmentKindAndFollowsTheData()
    {
        var grid = StateSpace.Enumerate(new HyperGrid(2, 6));
        byte[] target = GFlowNetPlots.Distribution(grid, grid.TargetDistribution), uniform = GFlowNetPlots.Distribution(grid, Uniform(grid.Terminals.Length));
        Assert.AreEqual((3 * GFlowNetPlots.PanelWidth, GFlowNetPlots.PanelHeight), Size(target), "grid: two heat maps and their difference");
        Assert.IsFalse(target.SequenceEqual(uniform), "another distribution, another picture");
        CollectionAssert.AreEqual(target, GFlowNetPlots.Distribution(grid, grid.TargetDistribution), "deterministic");

        var dag = StateSpace.Enumerate(DagEnvironment.FromLinearGaussian(nodes: 3, expectedEdges: 2, samples: 20, seed: 0));
        Assert.AreEqual((2 * GFlowNetPlots.PanelWidth, GFlowNetPlots.PanelHeight), Size(GFlowNetPlots.Distribution(dag, Uniform(dag.Terminals.Length))), "dag: two edge-marginal maps");

        var cube = StateSpace.Enumerate(new HyperGrid(3, 3));
        Assert.AreEqual((2 * GFlowNetPlots.PanelWidth, GFlowNetPlots.PanelHeight), Size(GFlowNetPlots.Distribution(cube, cube.TargetDistribution)), "elsewhere: rank plot and scatter");
    }

    [TestMethod]
    public void HistogramAndCurvesAreOneAndTwoPanels()
    {
        Assert.AreEqual((GFlowNetPlots.PanelWidth, GFlowNetPlots.PanelHeight), Size(GFlowNetPlots.RewardHistogram([-3, -2.5, -1, -1, 0])));
        CurvePoint[] exact = [new(0, 0.8, 0.4, 2), new(100, 0.3, 0.1, 0.5, MeanLoss: 4, MeanCriticLoss: 9), new(200, 0.1, 0.02, 0.1, MeanLoss: 1, MeanCriticLoss: 3)];
        Assert.AreEqual((2 * GFlowNetPlots.PanelWidth, GFlowNetPlots.PanelHeight), Size(GFlowNetPlots.TrainingCurves("hypergrid", exact)));
        CurvePoint[] sampled = [new(0, double.NaN, double.NaN, double.NaN, -40, 1e-17), new(10, double.NaN, double.NaN, double.NaN, -35, 1e-15, 50)];
        Assert.AreEqual((2 * GFlowNetPlots.PanelWidth, GFlowNetPlots.PanelHeight), Size(GFlowNetPlots.TrainingCurves("bitseq", sampled)));
    }

    [TestMethod]
    public void BadInputIsNamed()
    {
        var grid = StateSpace.Enumerate(new HyperGrid(2, 4));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GFlowNetPlots.Distribution(grid, [0.5, 0.5])).Message,
            "The distribution has 2 values; the space has 16 terminal states.");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GFlowNetPlots.RewardHistogram([])).Message, "at least one log-reward");
        Assert.ThrowsExactly<ArgumentException>(() => GFlowNetPlots.RewardHistogram([1, double.NaN]));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GFlowNetPlots.TrainingCurves("t", [])).Message, "at least one point");
    }

    [TestMethod]
    public void SaveWritesAtomically()
    {
        string path = Path.Combine(Path.GetTempPath(), $"gfn-plot-{Guid.NewGuid():N}.png");
        try
        {
            byte[] png = GFlowNetPlots.RewardHistogram([0, 1, 2]);
            Assert.AreEqual(path, GFlowNetPlots.Save(path, png));
            CollectionAssert.AreEqual(png, File.ReadAllBytes(path));
            Assert.IsFalse(File.Exists(path + ".tmp"));
        }
        finally { File.Delete(path); }
    }
}
