using GFlowNetML.Environments;
using GFlowNetML.Evaluation;

namespace GFlowNetML.Core.Tests;

/// <summary>The exact terminating distribution P_T by dynamic programming over the enumerated states.</summary>
[TestClass]
public sealed class TerminatingDistributionTests
{
    [TestMethod]
    public void UniformPolicyOnTheThreeCellLine()
    {
        // States 0, 1, 2. At 0 and 1: {+1, exit} with ½ each; at 2 only exit.
        // P_T(0) = ½, P_T(1) = ½·½ = ¼, P_T(2) = ½·½·1 = ¼.
        var space = StateSpace.Enumerate(new HyperGrid(1, 3));
        CollectionAssert.AreEqual(new[] { 0, 1, 2 }, space.Terminals);
        double[] p = TerminatingDistribution.Compute(space, PolicyTables.Uniform(space));
        Assert.HasCount(3, p);
        Assert.AreEqual(0.5, p[0], 1e-15);
        Assert.AreEqual(0.25, p[1], 1e-15);
        Assert.AreEqual(0.25, p[2], 1e-15);
    }

    [TestMethod]
    public void UniformPolicyOnTheTwoByTwoGrid()
    {
        // (0,0): 3 actions → exit ⅓; (1,0) and (0,1) reached with ⅓ each, 2 actions → exit ⅙ each;
        // (1,1) reached with ⅓·½ + ⅓·½ = ⅓, only exit.
        var space = StateSpace.Enumerate(new HyperGrid(2, 2));
        double[] p = TerminatingDistribution.Compute(space, PolicyTables.Uniform(space));
        double[] expected = [1.0 / 3, 1.0 / 6, 1.0 / 6, 1.0 / 3];   // enumeration order (0,0), (1,0), (0,1), (1,1)
        for (int i = 0; i < 4; i++) Assert.AreEqual(expected[i], p[i], 1e-15);
    }

    [TestMethod]
    [DataRow(1, 10)]
    [DataRow(2, 8)]
    [DataRow(3, 5)]
    [DataRow(4, 8)]
    [DataRow(2, 64)]
    public void UniformAndRandomPoliciesSumToOne(int ndim, int height)
    {
        var space = StateSpace.Enumerate(new HyperGrid(ndim, height));
        Assert.AreEqual(1.0, TerminatingDistribution.Compute(space, PolicyTables.Uniform(space)).Sum(), 1e-12, "uniform");
        for (long seed = 1; seed <= 3; seed++)
        {
            double[] p = TerminatingDistribution.Compute(space, PolicyTables.Random(space, seed));
            Assert.AreEqual(1.0, p.Sum(), 1e-12, $"random policy, seed {seed}");
            Assert.IsTrue(p.All(v => v >= 0));
        }
    }

    [TestMethod]
    public void MatchesBruteForcePathEnumeration()
    {
        // Sum the probability of every complete trajectory by depth-first search, independently of the DP.
        var env = new HyperGrid(2, 4);
        var space = StateSpace.Enumerate(env);
        double[] logProbs = PolicyTables.Random(space, 7);
        double[] dp = TerminatingDistribution.Compute(space, logProbs);

        var brute = new double[space.Terminals.Length];
        int actions = env.ActionCount;
        void Walk(int[] state, double probability)
        {
            int s = space.IndexOf(state);
            var mask = new bool[actions];
            env.ForwardMasks(state, mask);
            brute[Array.IndexOf(space.Terminals, s)] += probability * Math.Exp(logProbs[s * actions + env.ExitAction]);
            for (int a = 0; a < env.ExitAction; a++)
            {
                if (!mask[a]) continue;
                int[] child = (int[])state.Clone();
                env.Step(child, [a]);
                Walk(child, probability * Math.Exp(logProbs[s * actions + a]));
            }
        }
        Walk([0, 0], 1.0);

        for (int t = 0; t < brute.Length; t++) Assert.AreEqual(brute[t], dp[t], 1e-14, $"terminal {t}");
    }

    [TestMethod]
    public void EntriesOfDisallowedActionsAreIgnored()
    {
        var space = StateSpace.Enumerate(new HyperGrid(2, 5));
        double[] clean = PolicyTables.Random(space, 11);
        double[] dirty = (double[])clean.Clone();
        for (int i = 0; i < dirty.Length; i++) if (!space.ForwardMask[i]) dirty[i] = 0.0;   // log 1: would add mass if read
        CollectionAssert.AreEqual(TerminatingDistribution.Compute(space, clean), TerminatingDistribution.Compute(space, dirty));
    }

    [TestMethod]
    public void SinglePrecisionOverloadAgreesWithDouble()
    {
        var space = StateSpace.Enumerate(new HyperGrid(2, 8));
        double[] logProbs = PolicyTables.Random(space, 5);
        double[] wide = TerminatingDistribution.Compute(space, logProbs);
        double[] narrow = TerminatingDistribution.Compute(space, logProbs.Select(v => (float)v).ToArray());
        Assert.IsTrue(DistributionMetrics.TotalVariation(wide, narrow) < 1e-5);
    }

    [TestMethod]
    public void WrongLengthThrows()
    {
        var space = StateSpace.Enumerate(new HyperGrid(2, 4));
        Assert.ThrowsExactly<ArgumentException>(() => TerminatingDistribution.Compute(space, new double[space.Count * 3 - 1]));
        Assert.ThrowsExactly<ArgumentNullException>(() => TerminatingDistribution.Compute(null!, new double[3]));
    }
}
