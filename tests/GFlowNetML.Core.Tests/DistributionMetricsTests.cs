using GFlowNetML.Evaluation;

namespace GFlowNetML.Core.Tests;

/// <summary>Total variation and Jensen–Shannon divergence on hand-computed cases.</summary>
[TestClass]
public sealed class DistributionMetricsTests
{
    [TestMethod]
    public void IdenticalDistributionsAreAtDistanceZero()
    {
        double[] p = [0.1, 0.2, 0.3, 0.4, 0.0];
        Assert.AreEqual(0.0, DistributionMetrics.TotalVariation(p, p));
        Assert.AreEqual(0.0, DistributionMetrics.JensenShannon(p, p), 1e-17);
        Assert.IsTrue(DistributionMetrics.JensenShannon(p, p) >= 0, "never negative");
    }

    [TestMethod]
    public void DisjointDistributionsAreAtTheMaximum()
    {
        Assert.AreEqual(1.0, DistributionMetrics.TotalVariation([1.0, 0.0], [0.0, 1.0]), 1e-15);
        Assert.AreEqual(Math.Log(2), DistributionMetrics.JensenShannon([1.0, 0.0], [0.0, 1.0]), 1e-15);

        double[] p = [0.5, 0.5, 0.0, 0.0], q = [0.0, 0.0, 0.25, 0.75];
        Assert.AreEqual(1.0, DistributionMetrics.TotalVariation(p, q), 1e-15);
        Assert.AreEqual(Math.Log(2), DistributionMetrics.JensenShannon(p, q), 1e-15);
    }

    [TestMethod]
    public void TwoPointCase()
    {
        // p = (½, ½), q = (¼, ¾): TV = ½(¼ + ¼) = ¼. m = (⅜, ⅝);
        // KL(p‖m) = ½ln(4/3) + ½ln(4/5) = ½ln(16/15); KL(q‖m) = ¼ln(2/3) + ¾ln(6/5);
        // JSD = ½KL(p‖m) + ½KL(q‖m) = 0.0338220755686052…
        double[] p = [0.5, 0.5], q = [0.25, 0.75];
        Assert.AreEqual(0.25, DistributionMetrics.TotalVariation(p, q), 1e-15);
        double expected = 0.5 * (0.5 * Math.Log(16.0 / 15)) + 0.5 * (0.25 * Math.Log(2.0 / 3) + 0.75 * Math.Log(6.0 / 5));
        Assert.AreEqual(0.03382207556860521, expected, 1e-15);
        Assert.AreEqual(expected, DistributionMetrics.JensenShannon(p, q), 1e-15);
        Assert.AreEqual(DistributionMetrics.JensenShannon(p, q), DistributionMetrics.JensenShannon(q, p), 1e-16, "symmetric");
        Assert.AreEqual(DistributionMetrics.TotalVariation(p, q), DistributionMetrics.TotalVariation(q, p));
    }

    [TestMethod]
    public void ZeroEntriesFollowZeroLogZero()
    {
        // p = (1, 0), q = (½, ½): m = (¾, ¼); KL(p‖m) = ln(4/3); KL(q‖m) = ½ln(2/3) + ½ln 2 = ½ln(4/3);
        // JSD = ½ln(4/3) + ¼ln(4/3) = ¾ln(4/3).
        double[] p = [1.0, 0.0], q = [0.5, 0.5];
        Assert.AreEqual(0.5, DistributionMetrics.TotalVariation(p, q), 1e-15);
        Assert.AreEqual(0.75 * Math.Log(4.0 / 3), DistributionMetrics.JensenShannon(p, q), 1e-15);
        Assert.AreEqual(0.21576155433883565, DistributionMetrics.JensenShannon(p, q), 1e-15);
    }

    [TestMethod]
    public void LengthMismatchThrows()
    {
        Assert.ThrowsExactly<ArgumentException>(() => DistributionMetrics.TotalVariation(new[] { 0.5, 0.5 }, new[] { 1.0 }));
        Assert.ThrowsExactly<ArgumentException>(() => DistributionMetrics.JensenShannon(new[] { 1.0 }, new[] { 0.5, 0.5 }));
    }
}
