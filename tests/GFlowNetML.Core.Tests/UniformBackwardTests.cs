using GFlowNetML.Environments;
using GFlowNetML.Sampling;

namespace GFlowNetML.Core.Tests;

/// <summary>log P_B under the backward policy uniform over parents, as a trajectory batch computes it.</summary>
[TestClass]
public sealed class UniformBackwardTests
{
    [TestMethod]
    [DataRow(2, 4, 2000)]
    [DataRow(3, 5, 1000)]
    [DataRow(1, 6, 200)]
    public void EqualsMinusLogOfNonzeroCoordinatesOfTheChild(int ndim, int height, int size)
    {
        var env = new HyperGrid(ndim, height);
        var batch = new TrajectorySampler(env).Sample(new UniformPolicy(), size, new GFlowNetRandom(21), epsilon: 0.2);
        double[] logPb = batch.UniformBackwardLogProbabilities();
        Assert.HasCount(batch.RowCount, logPb);
        int seen = 0;
        for (int r = 0; r < batch.RowCount; r++)
        {
            int next = batch.RowNext[r];
            if (next < 0)
            {
                Assert.AreEqual(env.ExitAction, batch.RowActions[r]);
                Assert.AreEqual(0.0, logPb[r], "exit row");
                continue;
            }
            int nonzero = batch.RowStates.AsSpan(next * ndim, ndim).ToArray().Count(x => x != 0);
            Assert.IsTrue(nonzero >= 1);
            Assert.AreEqual(-Math.Log(nonzero), logPb[r], 1e-15, $"row {r}");
            seen++;
        }
        Assert.IsTrue(seen > 0);
    }

    [TestMethod]
    public void HandWorkedTrajectory()
    {
        // D = 2: the policy always takes +1 on dim 0 (H = 3, so (0,0) → (1,0) → (2,0), then it is masked) and
        // the fallback picks among {+1 on dim 1, exit}. Child (1,0) and (2,0) have one parent each: log P_B = 0.
        var env = new HyperGrid(2, 3);
        var batch = new TrajectorySampler(env).Sample(new FixedActionPolicy(0), 50, new GFlowNetRandom(22));
        double[] logPb = batch.UniformBackwardLogProbabilities();
        for (int r = 0; r < batch.StepOffsets[2]; r++) Assert.AreEqual(0.0, logPb[r], "(0,0)→(1,0) and (1,0)→(2,0)");
        for (int r = batch.StepOffsets[2]; r < batch.RowCount; r++)
            Assert.AreEqual(batch.RowActions[r] == 1 ? -Math.Log(2) : 0.0, logPb[r], 1e-15, "(2,y)→(2,y+1) has two parents");
    }
}
