using GFlowNetML.Environments;

namespace GFlowNetML.Core.Tests;

/// <summary>The hyper-grid environment: rewards of specific cells, masks, steps and argument checks.</summary>
[TestClass]
public sealed class HyperGridTests
{
    // H = 8, so a = |x/7 − 0.5| per coordinate:
    //   x = 0, 7: a = 0.5      → outer (> 0.25), not band (≥ 0.4)
    //   x = 1, 6: a = 0.357…   → outer and band (0.3 < a < 0.4)
    //   x = 2, 5: a = 0.214…   → neither
    //   x = 3, 4: a = 0.071…   → neither
    // R = R0 + R1·[all outer] + R2·[all band], with R0 = 0.1, R1 = 0.5, R2 = 2.
    [TestMethod]
    [DataRow(1, 1, 2.6, true)]
    [DataRow(1, 6, 2.6, true)]
    [DataRow(6, 1, 2.6, true)]
    [DataRow(6, 6, 2.6, true)]
    [DataRow(0, 0, 0.6, false)]
    [DataRow(7, 7, 0.6, false)]
    [DataRow(0, 7, 0.6, false)]
    [DataRow(0, 1, 0.6, false)]
    [DataRow(7, 6, 0.6, false)]
    [DataRow(2, 2, 0.1, false)]
    [DataRow(3, 4, 0.1, false)]
    [DataRow(0, 3, 0.1, false)]
    [DataRow(1, 2, 0.1, false)]
    [DataRow(5, 6, 0.1, false)]
    public void RewardOfCellsOnH8(int x0, int x1, double reward, bool mode)
    {
        var env = new HyperGrid(2, 8, 0.1, 0.5, 2.0);
        int[] cell = [x0, x1];
        Assert.AreEqual(reward, env.Reward(cell), 1e-12);
        Assert.AreEqual(mode, env.IsMode(cell));
        var logReward = new double[1];
        env.LogReward(cell, logReward);
        Assert.AreEqual(Math.Log(reward), logReward[0], 1e-12);
    }

    [TestMethod]
    public void PerDimensionCountsOnH8()
    {
        var env = new HyperGrid(2, 8, 0.1);
        Assert.AreEqual(4, env.OuterCellsPerDimension);   // 0, 1, 6, 7
        Assert.AreEqual(2, env.BandCellsPerDimension);    // 1, 6
        Assert.AreEqual(4.0, env.ModeCount);
        Assert.AreEqual(64.0, env.CellCount);
        // Z = 0.1·64 + 0.5·4² + 2·2² = 22.4.
        Assert.AreEqual(Math.Log(22.4), env.LogPartition!.Value, 1e-12);
    }

    [TestMethod]
    public void BatchedLogRewardMatchesReward()
    {
        var env = new HyperGrid(3, 6, 0.05, 0.7, 1.5);
        int[] states = env.EnumerateStates()!;
        var logRewards = new double[states.Length / 3];
        env.LogReward(states, logRewards);
        for (int i = 0; i < logRewards.Length; i++)
            Assert.AreEqual(Math.Log(env.Reward(states.AsSpan(i * 3, 3))), logRewards[i], 1e-12);
    }

    [TestMethod]
    public void ShapeProperties()
    {
        var env = new HyperGrid(3, 5, 0.01);
        Assert.AreEqual("hypergrid", env.Name);
        Assert.AreEqual(3, env.StateWidth);
        Assert.AreEqual(4, env.ActionCount);
        Assert.AreEqual(3, env.ExitAction);
        Assert.AreEqual(3, env.BackwardActionCount);
        Assert.AreEqual(15, env.EncodingWidth);
        Assert.AreEqual(13, env.MaxTrajectoryLength);   // 3·4 moves + exit
        Assert.AreEqual("hypergrid(ndim=3, height=5, r0=0.01, r1=0.5, r2=2)", env.Description);
        Assert.AreEqual("(1, 2, 3)", env.Format([1, 2, 3]));
    }

    [TestMethod]
    public void ForwardMasksAllowExitAlwaysAndMaskPlusOneAtTheTop()
    {
        var env = new HyperGrid(2, 4);
        int[] states = env.EnumerateStates()!;
        int n = states.Length / 2;
        var masks = new bool[n * 3];
        env.ForwardMasks(states, masks);
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < 2; k++)
                Assert.AreEqual(states[i * 2 + k] != 3, masks[i * 3 + k], $"state {env.Format(states.AsSpan(i * 2, 2))}, +1 on dim {k}");
            Assert.IsTrue(masks[i * 3 + 2], "exit is always allowed");
        }

        var corner = new bool[3];
        env.ForwardMasks([3, 3], corner);
        CollectionAssert.AreEqual(new[] { false, false, true }, corner);
    }

    [TestMethod]
    public void BackwardMasksAreMaskedAtZero()
    {
        var env = new HyperGrid(3, 4);
        var masks = new bool[9];
        env.BackwardMasks([0, 0, 0, 2, 0, 3, 1, 1, 1], masks);
        CollectionAssert.AreEqual(new[] { false, false, false, true, false, true, true, true, true }, masks);
    }

    [TestMethod]
    public void StepAndBackwardStepRoundTrip()
    {
        var env = new HyperGrid(3, 4);
        int[] states = env.EnumerateStates()!;
        var masks = new bool[env.ActionCount];
        int roundTrips = 0;
        for (int i = 0; i < states.Length / 3; i++)
        {
            int[] state = states.AsSpan(i * 3, 3).ToArray();
            env.ForwardMasks(state, masks);
            for (int a = 0; a < env.ExitAction; a++)
            {
                if (!masks[a]) continue;
                int[] child = (int[])state.Clone();
                env.Step(child, [a]);
                Assert.AreEqual(state[a] + 1, child[a]);
                Assert.AreEqual(state.Sum() + 1, child.Sum());

                var back = new int[1];
                env.ToBackwardActions(state, [a], back);
                var backwardMask = new bool[env.BackwardActionCount];
                env.BackwardMasks(child, backwardMask);
                Assert.IsTrue(backwardMask[back[0]], "the backward action leading back must be allowed");
                var forward = new int[1];
                env.ToForwardActions(child, back, forward);
                Assert.AreEqual(a, forward[0]);

                env.BackwardStep(child, back);
                CollectionAssert.AreEqual(state, child);
                roundTrips++;
            }
        }
        Assert.AreEqual(3 * 3 * 16, roundTrips);   // each of 3 dims has 3 non-top values, times 4² for the others
    }

    [TestMethod]
    public void StepIsBatchedAndExitLeavesTheStateUnchanged()
    {
        var env = new HyperGrid(2, 4);
        int[] states = [0, 0, 1, 2, 3, 3, 2, 0];
        env.Step(states, [0, 1, 2, 1]);
        CollectionAssert.AreEqual(new[] { 1, 0, 1, 3, 3, 3, 2, 1 }, states);
    }

    [TestMethod]
    public void StepWithAnIllegalActionThrows()
    {
        var env = new HyperGrid(2, 4);
        Assert.ThrowsExactly<ArgumentException>(() => env.Step(new[] { 3, 0 }, new[] { 0 }));   // +1 at the top
        Assert.ThrowsExactly<ArgumentException>(() => env.Step(new[] { 0, 3 }, new[] { 1 }));
        Assert.ThrowsExactly<ArgumentException>(() => env.Step(new[] { 0, 0 }, new[] { 3 }));   // out of range
        Assert.ThrowsExactly<ArgumentException>(() => env.Step(new[] { 0, 0 }, new[] { -1 }));
        Assert.ThrowsExactly<ArgumentException>(() => env.BackwardStep(new[] { 0, 2 }, new[] { 0 }));   // −1 at zero
        Assert.ThrowsExactly<ArgumentException>(() => env.BackwardStep(new[] { 1, 1 }, new[] { 2 }));   // no backward exit
        Assert.ThrowsExactly<ArgumentException>(() => env.Step(new[] { 0, 0, 0 }, new[] { 2 }));   // not a multiple of the width
    }

    [TestMethod]
    public void EncodeIsKHot()
    {
        var env = new HyperGrid(2, 4);
        var features = new float[16];
        Array.Fill(features, 9f);
        env.Encode([1, 3, 0, 2], features);
        CollectionAssert.AreEqual(new float[] { 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0 }, features);
    }

    [TestMethod]
    public void EnumerationIsMixedRadixAndStartsAtTheOrigin()
    {
        var env = new HyperGrid(2, 3);
        CollectionAssert.AreEqual(new[] { 0, 0, 1, 0, 2, 0, 0, 1, 1, 1, 2, 1, 0, 2, 1, 2, 2, 2 }, env.EnumerateStates());
        var initial = new int[2] { 7, 7 };
        env.WriteInitialState(initial);
        CollectionAssert.AreEqual(new[] { 0, 0 }, initial);
    }

    [TestMethod]
    public void EnumerationStopsBeyondTheLimit()
    {
        Assert.IsNull(new HyperGrid(4, 65).EnumerateStates());   // 65⁴ = 17,850,625 > 2²⁴
        Assert.ThrowsExactly<NotSupportedException>(() => GFlowNetML.Evaluation.StateSpace.Enumerate(new HyperGrid(4, 65)));
        Assert.HasCount(4 * 20 * 20 * 20 * 20, new HyperGrid(4, 20).EnumerateStates()!);
    }

    [TestMethod]
    public void RewardRejectsBadCells()
    {
        var env = new HyperGrid(2, 4);
        Assert.ThrowsExactly<ArgumentException>(() => env.Reward(new[] { 1, 1, 1 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => env.Reward(new[] { 4, 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => env.Reward(new[] { 0, -1 }));
    }

    [TestMethod]
    [DataRow(0, 8, 0.1, 0.5, 2.0, "ndim")]
    [DataRow(-1, 8, 0.1, 0.5, 2.0, "ndim")]
    [DataRow(2, 1, 0.1, 0.5, 2.0, "height")]
    [DataRow(2, 0, 0.1, 0.5, 2.0, "height")]
    [DataRow(2, 8, 0.0, 0.5, 2.0, "r0")]
    [DataRow(2, 8, -0.1, 0.5, 2.0, "r0")]
    [DataRow(2, 8, double.NaN, 0.5, 2.0, "r0")]
    [DataRow(2, 8, double.PositiveInfinity, 0.5, 2.0, "r0")]
    [DataRow(2, 8, 0.1, -0.5, 2.0, "r1")]
    [DataRow(2, 8, 0.1, double.NaN, 2.0, "r1")]
    [DataRow(2, 8, 0.1, 0.5, -2.0, "r2")]
    [DataRow(2, 8, 0.1, 0.5, double.PositiveInfinity, "r2")]
    [DataRow(1024, 1025, 0.1, 0.5, 2.0, "ndim")]
    public void ConstructorRejectsBadArguments(int ndim, int height, double r0, double r1, double r2, string parameter)
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new HyperGrid(ndim, height, r0, r1, r2));
        Assert.AreEqual(parameter, e.ParamName);
    }

    [TestMethod]
    public void ConstructorAcceptsZeroBonusesAndTheSmallestGrid()
    {
        var env = new HyperGrid(1, 2, 1e-300, 0, 0);
        Assert.AreEqual(2.0, env.CellCount);
        // H = 2: a = ½ for both cells → outer, not band.
        Assert.AreEqual(2, env.OuterCellsPerDimension);
        Assert.AreEqual(0, env.BandCellsPerDimension);
    }
}
