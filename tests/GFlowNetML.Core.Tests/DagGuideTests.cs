using GFlowNetML.Environments;
using GFlowNetML.Guides;
using GFlowNetML.Sampling;

namespace GFlowNetML.Core.Tests;

/// <summary>The Bayesian-network guide: the exit is capped exactly where log R ≤ threshold, and rows stay normalised.</summary>
[TestClass]
public sealed class DagGuideTests
{
    private static readonly DagEnvironment Env = DagEnvironment.FromLinearGaussian(3, 2, 30, 4);

    /// <summary>π_F on the 3-node state space: 0.05 on each allowed edge, the rest on the exit.</summary>
    private static float[] ForwardLogProbabilities(bool[] masks)
    {
        int allowedEdges = masks.Take(9).Count(m => m);
        var logPf = new float[10];
        for (int a = 0; a < 9; a++) logPf[a] = masks[a] ? MathF.Log(0.05f) : float.NegativeInfinity;
        logPf[9] = MathF.Log(1 - 0.05f * allowedEdges);
        return logPf;
    }

    private static double[] Guide(DagGuide guide, int[] state)
    {
        var masks = new bool[Env.ActionCount];
        Env.ForwardMasks(state, masks);
        var result = new float[Env.ActionCount];
        guide.LogProbabilities(state, masks, state, ForwardLogProbabilities(masks), result);
        for (int a = 0; a < Env.ActionCount; a++)
            if (!masks[a]) Assert.AreEqual(float.NegativeInfinity, result[a]);
        return result.Select(x => Math.Exp(x)).ToArray();
    }

    [TestMethod]
    public void CapsTheExitAtOrBelowTheThresholdOnly()
    {
        int[] edge = Env.StateOf([0, 1, 0, 0, 0, 0, 0, 0, 0]);   // 0→1
        var logReward = new double[1];
        Env.LogReward(edge, logReward);
        Assert.IsTrue(logReward[0] > 1, $"log R(0→1) = {logReward[0]}");
        var guide = new DagGuide(Env, threshold: logReward[0] / 2);

        // The empty graph (log R = 0 ≤ threshold): π_F = 0.05 on each of 6 edges, exit 0.7 → exit 1e-10, divided by 0.3 + 1e-10.
        double[] empty = Guide(guide, new int[18]);
        Assert.AreEqual(0.05 / (0.3 + 1e-10), empty[1], 1e-6);
        Assert.AreEqual(1e-10 / (0.3 + 1e-10), empty[9], 1e-14);
        Assert.AreEqual(1.0, empty.Sum(), 1e-6);

        // 0→1 (log R above the threshold): π_G = π_F. Allowed: 0→2, 1→2, 2→0, 2→1 (1→0 closes a cycle) and the exit, 0.8.
        double[] above = Guide(guide, edge);
        Assert.AreEqual(1 - 0.05 * 4, above[9], 1e-6);
        Assert.AreEqual(0.05, above[2], 1e-6);
        Assert.AreEqual(1.0, above.Sum(), 1e-6);
    }

    [TestMethod]
    public void ThresholdIsInclusive()
    {
        // log R(∅) = 0 exactly: threshold 0 caps, a threshold just below 0 does not.
        Assert.AreEqual(1e-10 / (0.3 + 1e-10), Guide(new DagGuide(Env, threshold: 0), new int[18])[9], 1e-14);
        Assert.AreEqual(0.7, Guide(new DagGuide(Env, threshold: -1e-9), new int[18])[9], 1e-6);
    }

    [TestMethod]
    public void CompleteDagKeepsTheOnlyAllowedAction()
    {
        // 0→1→2, 0→2: every other edge closes a cycle, so exit is the only action and keeps probability 1 even capped.
        int[] complete = Env.StateOf([0, 1, 1, 0, 0, 1, 0, 0, 0]);
        double[] p = Guide(new DagGuide(Env, threshold: 1e6), complete);
        Assert.AreEqual(1.0, p[9], 1e-12);
    }

    [TestMethod]
    public void RowsOfARandomBatchAreNormalised()
    {
        var env = DagEnvironment.FromLinearGaussian();
        var guide = (DagGuide)env.DefaultGuide;
        Assert.AreEqual(75.0, guide.Threshold);
        Assert.AreEqual(1e-10, guide.ExitCap);
        Assert.AreEqual("dag-no-exit-below-threshold", guide.Name);
        var random = new GFlowNetRandom(8);
        int[] states = env.EnumerateStates()!;
        const int rows = 64;
        var batch = new int[rows * env.StateWidth];
        for (int r = 0; r < rows; r++)
            states.AsSpan(random.NextInt(states.Length / env.StateWidth) * env.StateWidth, env.StateWidth).CopyTo(batch.AsSpan(r * env.StateWidth));
        var masks = new bool[rows * env.ActionCount];
        env.ForwardMasks(batch, masks);
        var logPf = new float[rows * env.ActionCount];
        for (int i = 0; i < logPf.Length; i++) logPf[i] = (float)(4 * random.NextDouble());
        LogSoftmax.Masked(logPf, masks, env.ActionCount);
        var logPg = new float[logPf.Length];
        guide.LogProbabilities(batch, masks, batch, logPf, logPg);
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            int allowed = 0;
            for (int a = 0; a < env.ActionCount; a++)
            {
                int k = r * env.ActionCount + a;
                if (masks[k]) allowed++;
                else Assert.AreEqual(float.NegativeInfinity, logPg[k]);
                sum += Math.Exp(logPg[k]);
            }
            Assert.AreEqual(1.0, sum, 1e-5);
            // Every DAG of this task has log R ≤ 40.5 < 75, so the exit is capped wherever another action exists.
            if (allowed > 1) Assert.IsTrue(Math.Exp(logPg[r * env.ActionCount + env.ExitAction]) < 1e-8);
        }
    }

    [TestMethod]
    public void ArgumentChecks()
    {
        Assert.ThrowsExactly<ArgumentNullException>(() => new DagGuide(null!));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DagGuide(Env, double.NaN));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DagGuide(Env, double.PositiveInfinity));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DagGuide(Env, 75, 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DagGuide(Env, 75, 1));
        var guide = new DagGuide(Env);
        Assert.ThrowsExactly<ArgumentException>(() => guide.LogProbabilities(new int[17], new bool[10], new int[17], new float[10], new float[10]));
        Assert.ThrowsExactly<ArgumentException>(() => guide.LogProbabilities(new int[18], new bool[9], new int[18], new float[10], new float[10]));
    }
}
