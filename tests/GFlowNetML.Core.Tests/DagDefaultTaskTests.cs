using GFlowNetML.Environments;
using GFlowNetML.Evaluation;

namespace GFlowNetML.Core.Tests;

/// <summary>The paper's default BN task (d = 5, 5 expected edges, 100 samples, seed 0): exact log Z*, the best DAG and the
/// exact posterior's edge marginals, as regression values.</summary>
/// <remarks>log Z* = 47.39254523875761 was checked against an independent script (Python's math.lgamma, determinants by
/// Gaussian elimination, all 29,281 DAGs by brute force over parent-set combinations), which gave 47.39254523875754.</remarks>
[TestClass]
public sealed class DagDefaultTaskTests
{
    private static readonly Lazy<StateSpace> Space = new(() => StateSpace.Enumerate(DagEnvironment.FromLinearGaussian()));

    [TestMethod]
    public void ExactLogPartition()
    {
        var space = Space.Value;
        Assert.AreEqual(29281, space.Count);
        Assert.AreEqual(29281, space.Terminals.Length);
        Assert.AreEqual(47.39254523875761, space.LogPartition, 47.4 * 1e-9);
    }

    [TestMethod]
    public void BestDagAndRewardRange()
    {
        var space = Space.Value;
        var env = (DagEnvironment)space.Environment;
        int best = 0;
        for (int t = 1; t < space.Terminals.Length; t++) if (space.TerminalLogRewards[t] > space.TerminalLogRewards[best]) best = t;
        Assert.AreEqual(40.4799025533701, space.TerminalLogRewards[best], 1e-8);
        // A complete DAG (the posterior is diffuse on data of scale 0.1: denser graphs carry more mass), holding 0.1% of it.
        Assert.AreEqual("{1→0, 1→3, 1→4, 2→0, 2→1, 2→3, 2→4, 3→0, 4→0, 4→3}", env.Format(space.State(space.Terminals[best])));
        Assert.AreEqual(0.000995, space.TargetDistribution[best], 5e-7);
        Assert.AreEqual(0.0, space.TerminalLogRewards.Min());   // the empty graph
        Assert.AreEqual(37.9799849690674, env.Score.RelativeScore(env.GeneratingData!.TrueAdjacency.ToArray()), 1e-8);
    }

    [TestMethod]
    public void PosteriorEdgeMarginals()
    {
        var space = Space.Value;
        double[] m = DagEdgeMarginals.Compute(space, space.TargetDistribution);
        Assert.AreEqual(8.249002591066557, m.Sum(), 1e-9);
        // The strongest edges of the true graph {0→2, 0→3, 1→2, 4→0, 4→3}: 0→2 (weight 1.18) and 1→2 (0.76).
        Assert.AreEqual(0.6076, m[0 * 5 + 2], 1e-4);
        Assert.AreEqual(0.5721, m[1 * 5 + 2], 1e-4);
        Assert.AreEqual(0.4058, m[1 * 5 + 0], 1e-4);
        for (int i = 0; i < 5; i++) Assert.AreEqual(0.0, m[i * 5 + i]);
    }
}
