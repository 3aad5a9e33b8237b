using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Sampling;

namespace GFlowNetML.Core.Tests;

/// <summary>The trajectory sampler: batch layout invariants, masks, the sampled distribution, seeding and ε-exploration.</summary>
[TestClass]
public sealed class TrajectorySamplerTests
{
    private static void CheckBatchInvariants(HyperGrid env, TrajectoryBatch batch, int size)
    {
        int width = env.StateWidth, actions = env.ActionCount, encoding = env.EncodingWidth, exit = env.ExitAction;
        int rows = batch.RowCount;
        Assert.AreEqual(size, batch.Size);
        Assert.AreSame(env, batch.Environment);
        Assert.HasCount(rows * width, batch.RowStates);
        Assert.HasCount(rows * encoding, batch.RowFeatures);
        Assert.HasCount(rows * actions, batch.RowMasks);
        Assert.HasCount(rows, batch.RowTrajectory);
        Assert.HasCount(rows, batch.RowNext);
        Assert.HasCount(size, batch.Lengths);
        Assert.HasCount(size * width, batch.TerminalStates);
        Assert.HasCount(size, batch.LogRewards);

        // Masks and features are those of the row's state.
        var masks = new bool[rows * actions];
        env.ForwardMasks(batch.RowStates, masks);
        CollectionAssert.AreEqual(masks, batch.RowMasks);
        var features = new float[rows * encoding];
        env.Encode(batch.RowStates, features);
        CollectionAssert.AreEqual(features, batch.RowFeatures);

        // Step offsets: step t holds exactly the trajectories longer than t, in trajectory order.
        Assert.AreEqual(0, batch.StepOffsets[0]);
        Assert.AreEqual(rows, batch.StepOffsets[^1]);
        Assert.AreEqual(batch.Lengths.Max(), batch.StepCount);
        var stepOfRow = new int[rows];
        for (int t = 0; t < batch.StepCount; t++)
        {
            int first = batch.StepOffsets[t], end = batch.StepOffsets[t + 1];
            Assert.AreEqual(batch.Lengths.Count(l => l > t), end - first, $"rows at step {t}");
            for (int r = first; r < end; r++)
            {
                stepOfRow[r] = t;
                if (r > first) Assert.IsTrue(batch.RowTrajectory[r] > batch.RowTrajectory[r - 1], "trajectory order within a step");
            }
        }

        var rowsOf = new int[size];
        var sawStart = new bool[size];
        var step = new int[1];
        for (int r = 0; r < rows; r++)
        {
            int action = batch.RowActions[r], trajectory = batch.RowTrajectory[r];
            var state = batch.RowStates.AsSpan(r * width, width);
            rowsOf[trajectory]++;
            Assert.IsTrue(action >= 0 && action < actions);
            Assert.IsTrue(batch.RowMasks[r * actions + action], $"row {r}: action {action} is masked in {env.Format(state)}");
            if (stepOfRow[r] == 0)
            {
                Assert.IsTrue(state.ToArray().All(x => x == 0), "step 0 starts at the origin");
                sawStart[trajectory] = true;
            }

            int next = batch.RowNext[r];
            if (action == exit)
            {
                Assert.AreEqual(-1, next, "the exit row has no successor");
                Assert.AreEqual(batch.Lengths[trajectory], stepOfRow[r] + 1, "the exit row is the last step of its trajectory");
                CollectionAssert.AreEqual(state.ToArray(), batch.TerminalState(trajectory).ToArray());
                continue;
            }
            Assert.IsTrue(next > r && next < rows);
            Assert.AreEqual(trajectory, batch.RowTrajectory[next]);
            Assert.AreEqual(stepOfRow[r] + 1, stepOfRow[next]);
            int[] child = state.ToArray();
            step[0] = action;
            env.Step(child, step);
            CollectionAssert.AreEqual(child, batch.RowStates.AsSpan(next * width, width).ToArray(), $"row {r} → row {next}");
        }
        CollectionAssert.AreEqual(batch.Lengths, rowsOf, "Lengths count the rows of each trajectory");
        Assert.IsTrue(sawStart.All(b => b));
        Assert.AreEqual(size, batch.RowActions.Count(a => a == exit), "every trajectory ends with exactly one exit");

        var logRewards = new double[size];
        env.LogReward(batch.TerminalStates, logRewards);
        CollectionAssert.AreEqual(logRewards, batch.LogRewards);
    }

    [TestMethod]
    public void UniformPolicyBatchIsConsistent()
    {
        var env = new HyperGrid(2, 4);
        var policy = new UniformPolicy();
        var batch = new TrajectorySampler(env).Sample(policy, 2000, new GFlowNetRandom(1));
        CheckBatchInvariants(env, batch, 2000);
        Assert.AreEqual(batch.StepCount, policy.Calls, "one policy call per step");
        Assert.IsTrue(batch.StepCount > 3, "some trajectory went several steps");
        Assert.IsTrue(batch.StepCount <= env.MaxTrajectoryLength);
    }

    [TestMethod]
    public void ExplorationBatchIsConsistent()
    {
        var env = new HyperGrid(3, 5, 0.1);
        var batch = new TrajectorySampler(env).Sample(new FixedActionPolicy(0), 500, new GFlowNetRandom(2), epsilon: 0.3);
        CheckBatchInvariants(env, batch, 500);
    }

    [TestMethod]
    public void MaskedActionsAreNeverTakenEvenWhenThePolicyWantsThem()
    {
        // The policy puts all its mass on "+1 on dim 0", which is masked at x_0 = H − 1: there the draw must fall back to the
        // allowed actions (here only +1 on dim 1 and exit).
        var env = new HyperGrid(2, 4);
        var batch = new TrajectorySampler(env).Sample(new FixedActionPolicy(0), 300, new GFlowNetRandom(3));
        CheckBatchInvariants(env, batch, 300);
        // On policy, every trajectory climbs dim 0 to the top first.
        for (int r = 0; r < batch.StepOffsets[3]; r++) Assert.AreEqual(0, batch.RowActions[r]);
    }

    [TestMethod]
    public void DrawFallsBackToUniformOverAllowedActionsWhenThePolicyPutsNoMassThere()
    {
        var random = new GFlowNetRandom(4);
        float[] logp = [0f, float.NegativeInfinity, float.NegativeInfinity];
        bool[] mask = [false, true, true];
        var counts = new int[3];
        for (int i = 0; i < 10_000; i++) counts[TrajectorySampler.Draw(logp, mask, random, 0)]++;
        Assert.AreEqual(0, counts[0]);
        Assert.IsTrue(Math.Abs(counts[1] - 5000) < 250, $"counts {counts[1]}/{counts[2]}");   // 5σ = 250
    }

    [TestMethod]
    public void EmpiricalDistributionMatchesTheDp()
    {
        const int n = 200_000;
        var env = new HyperGrid(2, 4);
        var space = StateSpace.Enumerate(env);
        double[] exact = TerminatingDistribution.Compute(space, PolicyTables.Uniform(space));

        var batch = new TrajectorySampler(env).Sample(new UniformPolicy(), n, new GFlowNetRandom(12345));
        var counts = new double[space.Terminals.Length];
        for (int i = 0; i < n; i++) counts[space.TerminalPosition[space.IndexOf(batch.TerminalState(i))]]++;
        for (int t = 0; t < counts.Length; t++) counts[t] /= n;

        // Noise floor (landscape note §4): E[L1] ≈ Σ sqrt(2π_x(1 − π_x)/(πn)); TV = L1/2.
        double expectedL1 = exact.Sum(p => Math.Sqrt(2 * p * (1 - p) / (Math.PI * n)));
        double expectedTv = expectedL1 / 2;
        double tv = DistributionMetrics.TotalVariation(counts, exact);
        Assert.IsTrue(tv < 2 * expectedTv, $"TV {tv} vs noise floor {expectedTv}");
        Assert.IsTrue(expectedTv is > 1e-3 and < 1e-2, $"expected TV {expectedTv}");
    }

    [TestMethod]
    public void LongestTrajectoriesReachTheCornerInMaxTrajectoryLengthSteps()
    {
        // Climbing dim 0, then dim 1, then dim 2, and exiting only at the corner: D(H − 1) moves + exit.
        var env = new HyperGrid(3, 5);
        var batch = new TrajectorySampler(env).Sample(new ClimbPolicy(), 10, new GFlowNetRandom(13));
        CheckBatchInvariants(env, batch, 10);
        Assert.AreEqual(13, env.MaxTrajectoryLength);
        Assert.IsTrue(batch.Lengths.All(l => l == 13));
        Assert.AreEqual(13, batch.StepCount);
        Assert.IsTrue(batch.TerminalStates.All(x => x == 4));
        int[] expectedActions = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3];
        for (int t = 0; t < 13; t++)
            for (int r = batch.StepOffsets[t]; r < batch.StepOffsets[t + 1]; r++) Assert.AreEqual(expectedActions[t], batch.RowActions[r]);
    }

    [TestMethod]
    public void TrajectoryLongerThanDeclaredMaximumThrows()
    {
        // A chain of 5 states needs 4 moves + exit = 5 steps; one that declares 3 is caught.
        Assert.AreEqual(5, new TrajectorySampler(new ChainEnvironment(5, null)).Sample(new ClimbPolicy(), 4, new GFlowNetRandom(1)).StepCount);
        var sampler = new TrajectorySampler(new ChainEnvironment(5, null, maxTrajectoryLength: 3));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => sampler.Sample(new ClimbPolicy(), 4, new GFlowNetRandom(1)));
        Assert.Contains("MaxTrajectoryLength", e.Message);
    }

    [TestMethod]
    public void SameSeedSameBatchDifferentSeedDifferentBatch()
    {
        var env = new HyperGrid(2, 4);
        var sampler = new TrajectorySampler(env);
        var a = sampler.Sample(new UniformPolicy(), 256, new GFlowNetRandom(99), 0.1);
        var b = sampler.Sample(new UniformPolicy(), 256, new GFlowNetRandom(99), 0.1);
        var c = sampler.Sample(new UniformPolicy(), 256, new GFlowNetRandom(100), 0.1);

        CollectionAssert.AreEqual(a.StepOffsets, b.StepOffsets);
        CollectionAssert.AreEqual(a.RowTrajectory, b.RowTrajectory);
        CollectionAssert.AreEqual(a.RowStates, b.RowStates);
        CollectionAssert.AreEqual(a.RowFeatures, b.RowFeatures);
        CollectionAssert.AreEqual(a.RowMasks, b.RowMasks);
        CollectionAssert.AreEqual(a.RowActions, b.RowActions);
        CollectionAssert.AreEqual(a.RowNext, b.RowNext);
        CollectionAssert.AreEqual(a.Lengths, b.Lengths);
        CollectionAssert.AreEqual(a.TerminalStates, b.TerminalStates);
        CollectionAssert.AreEqual(a.LogRewards, b.LogRewards);

        Assert.IsFalse(a.RowActions.SequenceEqual(c.RowActions) && a.TerminalStates.SequenceEqual(c.TerminalStates));
    }

    [TestMethod]
    public void SamplingAdvancesTheRandomSource()
    {
        var env = new HyperGrid(2, 4);
        var sampler = new TrajectorySampler(env);
        var random = new GFlowNetRandom(5);
        var first = sampler.Sample(new UniformPolicy(), 128, random);
        var second = sampler.Sample(new UniformPolicy(), 128, random);
        Assert.IsFalse(first.RowActions.SequenceEqual(second.RowActions));
    }

    [TestMethod]
    public void ExitOnlyPolicyWithoutExplorationStopsAtTheOrigin()
    {
        var env = new HyperGrid(2, 4);
        var batch = new TrajectorySampler(env).Sample(new FixedActionPolicy(env.ExitAction), 1000, new GFlowNetRandom(6));
        Assert.IsTrue(batch.Lengths.All(l => l == 1));
        Assert.AreEqual(1000, batch.RowCount);
        Assert.IsTrue(batch.TerminalStates.All(x => x == 0));
    }

    [TestMethod]
    public void FullExplorationIgnoresThePolicy()
    {
        // ε = 1: actions are uniform over the allowed ones, whatever the policy says; at the origin exit has probability ⅓.
        var env = new HyperGrid(2, 4);
        const int n = 30_000;
        var batch = new TrajectorySampler(env).Sample(new FixedActionPolicy(env.ExitAction), n, new GFlowNetRandom(7), epsilon: 1.0);
        CheckBatchInvariants(env, batch, n);
        int longer = batch.Lengths.Count(l => l > 1);
        Assert.IsTrue(longer > 0, "ε-uniform steps make some trajectories longer than one step");
        // P(length 1) = ⅓; σ = sqrt(n·⅓·⅔) ≈ 82.
        Assert.IsTrue(Math.Abs(n - longer - n / 3.0) < 5 * 82, $"{n - longer} one-step trajectories");

        // And the terminal distribution is the uniform policy's, within the noise floor.
        var space = StateSpace.Enumerate(env);
        double[] exact = TerminatingDistribution.Compute(space, PolicyTables.Uniform(space));
        var freq = new double[exact.Length];
        for (int i = 0; i < n; i++) freq[space.IndexOf(batch.TerminalState(i))] += 1.0 / n;
        double expectedTv = exact.Sum(p => Math.Sqrt(2 * p * (1 - p) / (Math.PI * n))) / 2;
        double tv = DistributionMetrics.TotalVariation(freq, exact);
        Assert.IsTrue(tv < 2 * expectedTv, $"TV {tv} vs noise floor {expectedTv}");
    }

    [TestMethod]
    public void PartialExplorationMixesPolicyAndUniform()
    {
        // ε = ½ with an exit-only policy: at the origin P(exit) = ½·1 + ½·⅓ = ⅔.
        var env = new HyperGrid(2, 4);
        const int n = 30_000;
        var batch = new TrajectorySampler(env).Sample(new FixedActionPolicy(env.ExitAction), n, new GFlowNetRandom(8), epsilon: 0.5);
        int oneStep = batch.Lengths.Count(l => l == 1);
        Assert.IsTrue(Math.Abs(oneStep - 2.0 * n / 3) < 5 * 82, $"{oneStep} one-step trajectories");
    }

    [TestMethod]
    [DataRow(-0.1)]
    [DataRow(1.1)]
    [DataRow(double.NaN)]
    [DataRow(double.PositiveInfinity)]
    public void EpsilonOutsideTheUnitIntervalThrows(double epsilon)
    {
        var sampler = new TrajectorySampler(new HyperGrid(2, 4));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => sampler.Sample(new UniformPolicy(), 8, new GFlowNetRandom(1), epsilon));
        Assert.AreEqual("epsilon", e.ParamName);
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(-3)]
    public void NonPositiveBatchSizeThrows(int batchSize)
    {
        var sampler = new TrajectorySampler(new HyperGrid(2, 4));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => sampler.Sample(new UniformPolicy(), batchSize, new GFlowNetRandom(1)));
        Assert.AreEqual("batchSize", e.ParamName);
    }

    [TestMethod]
    public void NullArgumentsThrow()
    {
        var sampler = new TrajectorySampler(new HyperGrid(2, 4));
        Assert.ThrowsExactly<ArgumentNullException>(() => new TrajectorySampler(null!));
        Assert.ThrowsExactly<ArgumentNullException>(() => sampler.Sample(null!, 8, new GFlowNetRandom(1)));
        Assert.ThrowsExactly<ArgumentNullException>(() => sampler.Sample(new UniformPolicy(), 8, null!));
    }
}
