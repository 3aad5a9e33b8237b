using GFlowNetML.Environments;
using GFlowNetML.Evaluation;

namespace GFlowNetML.Core.Tests;

/// <summary>Sampled metrics against hand-computed values on the 8×8 grid (R0 = 0.1): duplicates, ties, k beyond the
/// number of unique objects, and bad input.</summary>
[TestClass]
public sealed class SampledMetricsTests
{
    // R on HyperGrid(2, 8, 0.1): (1,1) and (6,1) are modes with R = 2.6; (0,0) is outer, R = 0.6; (3,4) is base, R = 0.1.
    private static readonly HyperGrid Grid = new(2, 8, 0.1);
    private static readonly int[] Samples = [1, 1, 1, 1, 0, 0, 3, 4, 6, 1];   // (1,1) twice
    private static readonly double[] LogRewards = [Math.Log(2.6), Math.Log(2.6), Math.Log(0.6), Math.Log(0.1), Math.Log(2.6)];

    [TestMethod]
    public void RewardStatisticsCountDuplicates()
    {
        var m = SampledMetrics.Compute(Grid, Samples, LogRewards);
        Assert.AreEqual(5, m.SampleCount);
        Assert.AreEqual(4, m.UniqueCount);
        Assert.AreEqual((3 * Math.Log(2.6) + Math.Log(0.6) + Math.Log(0.1)) / 5, m.MeanLogReward, 1e-12);
        Assert.AreEqual(8.5 / 5, m.MeanReward, 1e-12);   // (3·2.6 + 0.6 + 0.1) / 5
        Assert.AreEqual(2.6, m.MaxReward, 1e-12);
        Assert.AreEqual(2, m.UniqueModes);                // (1,1) counted once, (6,1)
    }

    [TestMethod]
    [DataRow(1, 1, 2.6, 0.0)]                           // (1,1) wins the tie with (6,1) by first occurrence; one object: diversity 0
    [DataRow(2, 2, 2.6, 1.0)]                           // (1,1), (6,1): one differing coordinate
    [DataRow(3, 3, 5.8 / 3, 5.0 / 3)]                   // + (0,0): distances 1, 2, 2
    [DataRow(100, 4, 5.9 / 4, 11.0 / 6)]                // k beyond the 4 unique objects: all of them, distances 1,2,2,2,2,2
    public void TopKUsesUniqueObjects(int k, int count, double meanReward, double diversity)
    {
        var m = SampledMetrics.Compute(Grid, Samples, LogRewards, k);
        Assert.AreEqual(k, m.TopK);
        Assert.AreEqual(count, m.TopKCount);
        Assert.AreEqual(meanReward, m.TopKMeanReward, 1e-12);
        Assert.AreEqual(diversity, m.Diversity, 1e-12);
    }

    [TestMethod]
    public void DefaultTopKIs100()
    {
        Assert.AreEqual(100, SampledMetrics.DefaultTopK);
        Assert.AreEqual(100, SampledMetrics.Compute(Grid, Samples, LogRewards).TopK);
    }

    [TestMethod]
    public void ZeroRewardIsAllowedAndGivesMinusInfinityMeanLogReward()
    {
        var m = SampledMetrics.Compute(Grid, [1, 1, 0, 0], [Math.Log(2.6), double.NegativeInfinity], 10);
        Assert.AreEqual(double.NegativeInfinity, m.MeanLogReward);
        Assert.AreEqual(1.3, m.MeanReward, 1e-12);
        Assert.AreEqual(1.3, m.TopKMeanReward, 1e-12);
        Assert.AreEqual(2.0, m.Diversity);
    }

    [TestMethod]
    public void ModesComeFromTheEnvironment()
    {
        // Codebook {0000, 1111} over 2-bit words, radius 1: 0001 is a mode, 0011 is not.
        var env = new BitSequence(2, ["0000", "1111"], 1.0, 1);
        int[] states = [0, 1, 0, 1, 0, 3, 3, 3];   // 0001 twice, 0011, 1111
        var logRewards = new double[4];
        env.LogReward(states, logRewards);
        var m = SampledMetrics.Compute(env, states, logRewards, 2);
        Assert.AreEqual(3, m.UniqueCount);
        Assert.AreEqual(2, m.UniqueModes);                  // 0001 and 1111
        Assert.AreEqual((1 + Math.Exp(-1)) / 2, m.TopKMeanReward, 1e-12);   // 1111 (R = 1), 0001 (R = e^−1)
        Assert.AreEqual(2.0, m.Diversity);                  // words (3,3) vs (0,1): both differ
    }

    [TestMethod]
    public void BadInputIsRejected()
    {
        var empty = Assert.ThrowsExactly<ArgumentException>(() => SampledMetrics.Compute(Grid, [], []));
        Assert.AreEqual("states", empty.ParamName);
        StringAssert.Contains(empty.Message, "at least one");
        Assert.AreEqual("states", Assert.ThrowsExactly<ArgumentException>(() => SampledMetrics.Compute(Grid, [1, 1, 1], [0.0])).ParamName);
        Assert.AreEqual("logRewards", Assert.ThrowsExactly<ArgumentException>(() => SampledMetrics.Compute(Grid, [1, 1], [0.0, 0.0])).ParamName);
        var nan = Assert.ThrowsExactly<ArgumentException>(() => SampledMetrics.Compute(Grid, [1, 1, 0, 0], [0.0, double.NaN]));
        StringAssert.Contains(nan.Message, "sample 1 ((0, 0))");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SampledMetrics.Compute(Grid, [1, 1], [double.PositiveInfinity])).Message, "sample 0");
        Assert.AreEqual("topK", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SampledMetrics.Compute(Grid, [1, 1], [0.0], 0)).ParamName);
        Assert.ThrowsExactly<ArgumentNullException>(() => SampledMetrics.Compute(null!, [1, 1], [0.0]));
    }
}
