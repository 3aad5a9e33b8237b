using GFlowNetML.Cli.Compare;

namespace GFlowNetML.Cli.Tests;

[TestClass]
public sealed class ComparePlotTests
{
    [TestMethod]
    public void LongTitlesWrapAtCommasWithinTheWidthAndLoseNothing()
    {
        const string title = "Exact total variation against trajectories: sequence(tokens=4, length=8, action-model=write-any-blank, "
            + "reward=synthetic(tokens=4, length=8, motifs=4, seed=0, alpha=3, r-min=0.001, max-reward=10, mode-fraction=0.005))";
        string wrapped = GFlowNetML.Plots.PlotCanvas.Wrap(title, 95);
        var lines = wrapped.Split('\n');
        Assert.IsGreaterThan(1, lines.Length);
        foreach (var line in lines) Assert.IsLessThanOrEqualTo(96, line.Length, line);
        Assert.AreEqual(title, string.Join(" ", lines));
        Assert.AreEqual("short, title", GFlowNetML.Plots.PlotCanvas.Wrap("short, title", 95));
    }
}
