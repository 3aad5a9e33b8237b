using GFlowNetML.Environments;
using GFlowNetML.Evaluation;

namespace GFlowNetML.Core.Tests;

/// <summary>Edge marginals of the exact posterior and of a sampler's terminating distribution, and their difference.</summary>
[TestClass]
public sealed class DagEdgeMarginalsTests
{
    [TestMethod]
    public void TwoNodePosteriorByHand()
    {
        // Three DAGs: ∅ (log R = 0), 0→1 and 1→0 (both log R = Δ by score equivalence), so
        // P(0→1) = P(1→0) = e^Δ / (1 + 2e^Δ).
        var env = DagEnvironment.FromData(new DagData(new double[,] { { 1.0, 0.5 }, { 2.0, 1.5 }, { 4.0, 1.0 } }));
        double delta = env.Score.RelativeScore([0, 1, 0, 0]);
        var space = StateSpace.Enumerate(env);
        Assert.AreEqual(3, space.Terminals.Length);
        Assert.AreEqual(Math.Log(1 + 2 * Math.Exp(delta)), space.LogPartition, 1e-12);
        double[] marginals = DagEdgeMarginals.Compute(space, space.TargetDistribution);
        double expected = Math.Exp(delta) / (1 + 2 * Math.Exp(delta));
        Assert.AreEqual(0.0, marginals[0]);
        Assert.AreEqual(expected, marginals[1], 1e-12);
        Assert.AreEqual(expected, marginals[2], 1e-12);
        Assert.AreEqual(0.0, marginals[3]);
    }

    [TestMethod]
    public void MarginalsSumToTheExpectedEdgeCount()
    {
        var env = DagEnvironment.FromLinearGaussian(4, 3, 30, 2);
        var space = StateSpace.Enumerate(env);
        double expectedEdges = 0;
        for (int t = 0; t < space.Terminals.Length; t++)
            expectedEdges += space.TargetDistribution[t] * space.State(space.Terminals[t])[..16].ToArray().Sum();
        Assert.AreEqual(expectedEdges, DagEdgeMarginals.Compute(space, space.TargetDistribution).Sum(), 1e-12);

        // A sampler's distribution: the uniform forward policy. It is symmetric under relabelling the nodes, so every
        // off-diagonal edge has the same marginal, and the marginals still sum to its expected edge count.
        double[] sampler = TerminatingDistribution.Compute(space, PolicyTables.Uniform(space));
        double[] marginals = DagEdgeMarginals.Compute(space, sampler);
        double samplerEdges = 0;
        for (int t = 0; t < space.Terminals.Length; t++)
            samplerEdges += sampler[t] * space.State(space.Terminals[t])[..16].ToArray().Sum();
        Assert.AreEqual(samplerEdges, marginals.Sum(), 1e-12);
        for (int k = 0; k < 16; k++)
            Assert.AreEqual(k / 4 == k % 4 ? 0.0 : samplerEdges / 12, marginals[k], 1e-12);
        var difference = DagEdgeMarginals.Difference(4, DagEdgeMarginals.Compute(space, space.TargetDistribution), marginals);
        Assert.IsTrue(difference.MaxAbsolute >= difference.MeanAbsolute && difference.MeanAbsolute > 0);
    }

    [TestMethod]
    public void BareAdjacenciesAndStatesGiveTheSameMarginals()
    {
        // Two DAGs over 2 nodes with probabilities 0.25 (0→1) and 0.75 (∅).
        double[] fromAdjacency = DagEdgeMarginals.Compute(2, [0, 1, 0, 0, 0, 0, 0, 0], [0.25, 0.75]);
        double[] fromStates = DagEdgeMarginals.Compute(2, [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0.25, 0.75]);
        CollectionAssert.AreEqual(new[] { 0, 0.25, 0, 0 }, fromAdjacency);
        CollectionAssert.AreEqual(fromAdjacency, fromStates);
    }

    [TestMethod]
    public void DifferenceOverOffDiagonalEntries()
    {
        var difference = DagEdgeMarginals.Difference(2, [0, 0.5, 0.2, 0], [0.9, 0.3, 0.6, 0]);   // the diagonal is ignored
        Assert.AreEqual(0.3, difference.MeanAbsolute, 1e-15);
        Assert.AreEqual(0.4, difference.MaxAbsolute, 1e-15);
    }

    [TestMethod]
    public void BadInput()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => DagEdgeMarginals.Compute(2, [0, 1, 0, 0, 0, 0, 0, 0], [0.25, 0.7])).Message, "sum to 1");
        Assert.ThrowsExactly<ArgumentException>(() => DagEdgeMarginals.Compute(2, [0, 1, 0, 0, 0, 0, 0, 0], [1.25, -0.25]));
        Assert.ThrowsExactly<ArgumentException>(() => DagEdgeMarginals.Compute(2, [0, 1, 0, 0, 0, 0, 0], [0.25, 0.75]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DagEdgeMarginals.Compute(0, [], []));
        Assert.ThrowsExactly<ArgumentException>(() => DagEdgeMarginals.Difference(2, [0, 1, 0, 0], [0, 1, 0]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DagEdgeMarginals.Difference(1, [0], [0]));
        var grid = StateSpace.Enumerate(new HyperGrid(2, 3));
        Assert.ThrowsExactly<ArgumentException>(() => DagEdgeMarginals.Compute(grid, grid.TargetDistribution));
        var dag = StateSpace.Enumerate(DagEnvironment.FromLinearGaussian(2, 1, 5));
        Assert.ThrowsExactly<ArgumentException>(() => DagEdgeMarginals.Compute(dag, [0.5, 0.5]));
    }
}
