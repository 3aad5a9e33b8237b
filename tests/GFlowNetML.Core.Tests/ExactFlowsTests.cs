using GFlowNetML.Environments;
using GFlowNetML.Evaluation;

namespace GFlowNetML.Core.Tests;

/// <summary>
/// The training-free check: the exact flows with a uniform backward policy give F(s0) = Z*, and their forward
/// policy, pushed through the terminating-distribution DP, reproduces R/Z*.
/// </summary>
[TestClass]
public sealed class ExactFlowsTests
{
    [TestMethod]
    [DataRow(2, 8, 0.1, 3.109061)]            // log 22.4
    [DataRow(2, 8, 0.01, 2.811809)]           // log(0.64 + 8 + 8) = log 16.64
    [DataRow(3, 5, 0.01, 1.658228)]           // log(1.25 + 0.5·2³) = log 5.25 (no band cell at H = 5)
    [DataRow(4, 8, 0.001, 5.100452)]
    public void InitialFlowIsLogZ(int ndim, int height, double r0, double logZ)
    {
        var space = StateSpace.Enumerate(new HyperGrid(ndim, height, r0));
        double[] logFlow = ExactFlows.LogFlows(space);
        Assert.AreEqual(logZ, logFlow[0], 1e-6);
        Assert.AreEqual(space.LogPartition, logFlow[0], 1e-9);
        Assert.AreEqual(space.Environment.LogPartition!.Value, logFlow[0], 1e-9);
    }

    [TestMethod]
    [DataRow(2, 8, 0.1)]
    [DataRow(2, 8, 0.01)]
    [DataRow(3, 5, 0.01)]
    [DataRow(2, 16, 0.001)]
    public void OptimalPolicyReproducesTheTarget(int ndim, int height, double r0)
    {
        var space = StateSpace.Enumerate(new HyperGrid(ndim, height, r0));
        double[] logFlow = ExactFlows.LogFlows(space);
        double[] logProbs = ExactFlows.OptimalForwardLogProbabilities(space, logFlow);
        int actions = space.Environment.ActionCount;

        for (int s = 0; s < space.Count; s++)
        {
            double sum = 0;
            for (int a = 0; a < actions; a++)
            {
                double lp = logProbs[s * actions + a];
                if (space.ForwardMask[s * actions + a]) sum += Math.Exp(lp);
                else Assert.AreEqual(double.NegativeInfinity, lp, $"state {s}, action {a} is masked");
            }
            Assert.AreEqual(1.0, sum, 1e-12, $"state {space.Environment.Format(space.State(s))}");
        }

        double[] p = TerminatingDistribution.Compute(space, logProbs);
        double tv = DistributionMetrics.TotalVariation(p, space.TargetDistribution);
        Assert.IsTrue(tv < 1e-9, $"TV = {tv}");
        Assert.IsTrue(DistributionMetrics.JensenShannon(p, space.TargetDistribution) < 1e-12);

        // Through the single-precision entry point (as a network produces it) the error is float rounding only.
        var single = logProbs.Select(v => (float)v).ToArray();
        var metrics = ExactMetrics.Evaluate(space, single, logFlow[0]);
        Assert.IsTrue(metrics.TotalVariation < 1e-5, $"TV = {metrics.TotalVariation}");
        Assert.AreEqual(0.0, metrics.LogZError, 1e-9);
        Assert.AreEqual(space.LogPartition, metrics.TrueLogZ);
    }

    [TestMethod]
    public void FlowsAreConserved()
    {
        // In-flow Σ_{p ∈ Pa(s)} F(p)·P_F(s|p) equals F(s) for every s ≠ s0, and the exit flow F(x)·P_F(exit|x) equals R(x).
        var space = StateSpace.Enumerate(new HyperGrid(3, 4, 0.1));
        double[] logFlow = ExactFlows.LogFlows(space);
        double[] logProbs = ExactFlows.OptimalForwardLogProbabilities(space, logFlow);
        int actions = space.Environment.ActionCount, exit = actions - 1;
        var inflow = new double[space.Count];
        var child = new int[space.Environment.StateWidth];
        for (int s = 0; s < space.Count; s++)
        {
            for (int a = 0; a < exit; a++)
            {
                if (!space.ForwardMask[s * actions + a]) continue;
                space.State(s).CopyTo(child);
                space.Environment.Step(child, [a]);
                inflow[space.IndexOf(child)] += Math.Exp(logFlow[s] + logProbs[s * actions + a]);
            }
        }
        for (int s = 1; s < space.Count; s++)
            Assert.AreEqual(Math.Exp(logFlow[s]), inflow[s], 1e-12 * Math.Exp(logFlow[s]));
        for (int t = 0; t < space.Terminals.Length; t++)
        {
            int s = space.Terminals[t];
            Assert.AreEqual(space.TerminalLogRewards[t], logFlow[s] + logProbs[s * actions + exit], 1e-12);
        }
    }
}
