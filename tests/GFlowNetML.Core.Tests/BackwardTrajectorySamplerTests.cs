using GFlowNetML.Environments;
using GFlowNetML.Sampling;

namespace GFlowNetML.Core.Tests;

/// <summary>The backward trajectory sampler: batch layout invariants, parents and forward actions, masks, the sampled
/// distribution of backward paths, seeding and argument checks.</summary>
[TestClass]
public sealed class BackwardTrajectorySamplerTests
{
    /// <summary>Uniformly random cells of the grid, with s0 and the far corner among them.</summary>
    private static int[] RandomCells(HyperGrid env, int count, long seed)
    {
        var random = new GFlowNetRandom(seed);
        int d = env.Dimensions;
        var cells = new int[count * d];
        for (int i = 0; i < cells.Length; i++) cells[i] = random.NextInt(env.Height);
        cells.AsSpan(0, d).Clear();                         // trajectory 0 starts at s0
        cells.AsSpan(d, d).Fill(env.Height - 1);            // trajectory 1 starts at the corner (the longest path)
        return cells;
    }

    /// <summary>Every structural property a backward batch on the hyper-grid must have.</summary>
    private static void CheckBatchInvariants(HyperGrid env, BackwardTrajectoryBatch batch, int[] startStates)
    {
        int width = env.StateWidth, backward = env.BackwardActionCount, forward = env.ActionCount, encoding = env.EncodingWidth;
        int size = startStates.Length / width, rows = batch.RowCount;
        Assert.AreSame(env, batch.Environment);
        Assert.AreEqual(size, batch.Size);
        CollectionAssert.AreEqual(startStates, batch.StartStates);
        Assert.HasCount(rows, batch.RowTrajectory);
        Assert.HasCount(rows * width, batch.RowStates);
        Assert.HasCount(rows * encoding, batch.RowFeatures);
        Assert.HasCount(rows * backward, batch.RowMasks);
        Assert.HasCount(rows * backward, batch.RowLogProbabilities);
        Assert.HasCount(rows, batch.RowNext);
        Assert.HasCount(size, batch.Lengths);
        Assert.HasCount(rows * width, batch.ParentStates);
        Assert.HasCount(rows * encoding, batch.ParentFeatures);
        Assert.HasCount(rows * forward, batch.ParentMasks);
        Assert.HasCount(rows, batch.ForwardActions);

        // Hyper-grid: every backward step decrements one coordinate, so the length is the coordinate sum.
        for (int i = 0; i < size; i++)
            Assert.AreEqual(startStates.AsSpan(i * width, width).ToArray().Sum(), batch.Lengths[i], $"length of trajectory {i}");

        // Row features and masks are those of the row's state; parent features and forward masks those of the parent.
        var backwardMasks = new bool[rows * backward];
        env.BackwardMasks(batch.RowStates, backwardMasks);
        CollectionAssert.AreEqual(backwardMasks, batch.RowMasks);
        var features = new float[rows * encoding];
        env.Encode(batch.RowStates, features);
        CollectionAssert.AreEqual(features, batch.RowFeatures);
        var parentFeatures = new float[rows * encoding];
        env.Encode(batch.ParentStates, parentFeatures);
        CollectionAssert.AreEqual(parentFeatures, batch.ParentFeatures);
        var parentMasks = new bool[rows * forward];
        env.ForwardMasks(batch.ParentStates, parentMasks);
        CollectionAssert.AreEqual(parentMasks, batch.ParentMasks);

        // Step-major layout: step k holds exactly the trajectories longer than k, in trajectory order.
        Assert.AreEqual(0, batch.StepOffsets[0]);
        Assert.AreEqual(rows, batch.StepOffsets[^1]);
        Assert.AreEqual(batch.Lengths.Max(), batch.StepCount);
        var stepOfRow = new int[rows];
        for (int k = 0; k < batch.StepCount; k++)
        {
            int first = batch.StepOffsets[k], end = batch.StepOffsets[k + 1];
            Assert.AreEqual(batch.Lengths.Count(l => l > k), end - first, $"rows at step {k}");
            for (int r = first; r < end; r++)
            {
                stepOfRow[r] = k;
                if (r > first) Assert.IsGreaterThan(batch.RowTrajectory[r - 1], batch.RowTrajectory[r], "trajectory order within a step");
            }
        }

        var rowsOf = new int[size];
        var endsAtOrigin = new bool[size];
        var one = new int[1];
        for (int r = 0; r < rows; r++)
        {
            int trajectory = batch.RowTrajectory[r], action = batch.RowActions[r], next = batch.RowNext[r];
            int[] state = batch.RowStates.AsSpan(r * width, width).ToArray();
            int[] parent = batch.ParentStates.AsSpan(r * width, width).ToArray();
            rowsOf[trajectory]++;

            Assert.IsTrue(action >= 0 && action < backward, $"row {r}: action {action}");
            Assert.IsTrue(batch.RowMasks[r * backward + action], $"row {r}: backward action {action} is masked in {env.Format(state)}");
            Assert.AreEqual(batch.RowLogProbabilities[r * backward + action], batch.ActionLogProbability(r), $"row {r}");
            if (stepOfRow[r] == 0)
                CollectionAssert.AreEqual(startStates.AsSpan(trajectory * width, width).ToArray(), state, $"row {r} is the start state");

            // The parent is the state with coordinate `action` decremented.
            int[] expectedParent = (int[])state.Clone();
            expectedParent[action]--;
            CollectionAssert.AreEqual(expectedParent, parent, $"row {r}: parent of {env.Format(state)}");

            // The forward action leads from the parent back to the row's state, and is allowed there.
            int forwardAction = batch.ForwardActions[r];
            Assert.AreEqual(action, forwardAction, "on the hyper-grid the forward action is the backward action's dimension");
            Assert.IsTrue(batch.ParentMasks[r * forward + forwardAction], $"row {r}: forward action {forwardAction} masked in the parent");
            int[] child = (int[])parent.Clone();
            one[0] = forwardAction;
            env.Step(child, one);
            CollectionAssert.AreEqual(state, child, $"row {r}: Step(parent, forward action)");

            bool parentIsOrigin = parent.All(x => x == 0);
            if (next == -1)
            {
                Assert.IsTrue(parentIsOrigin, $"row {r}: a trajectory may only end at s0, not {env.Format(parent)}");
                Assert.AreEqual(batch.Lengths[trajectory], stepOfRow[r] + 1, "the row reaching s0 is the last of its trajectory");
                Assert.IsFalse(endsAtOrigin[trajectory], "a trajectory reaches s0 once");
                endsAtOrigin[trajectory] = true;
                continue;
            }
            Assert.IsFalse(parentIsOrigin, $"row {r}: reached s0 but RowNext is {next}");
            Assert.IsTrue(next > r && next < rows, $"row {r}: RowNext {next}");
            Assert.AreEqual(trajectory, batch.RowTrajectory[next]);
            Assert.AreEqual(stepOfRow[r] + 1, stepOfRow[next]);
            CollectionAssert.AreEqual(parent, batch.RowStates.AsSpan(next * width, width).ToArray(), $"ParentStates of row {r} = RowStates of row {next}");
        }
        CollectionAssert.AreEqual(batch.Lengths, rowsOf, "Lengths count the rows of each trajectory");
        for (int i = 0; i < size; i++)
            Assert.AreEqual(batch.Lengths[i] > 0, endsAtOrigin[i], $"trajectory {i} ends at s0 exactly when it has rows");
    }

    [TestMethod]
    [DataRow(2, 2)]
    [DataRow(2, 5)]
    [DataRow(2, 8)]
    [DataRow(3, 2)]
    [DataRow(3, 4)]
    [DataRow(3, 8)]
    public void RandomStartStatesGiveConsistentTrajectoriesToTheOrigin(int ndim, int height)
    {
        var env = new HyperGrid(ndim, height);
        int[] starts = RandomCells(env, 400, 1000 * ndim + height);
        var policy = new UniformPolicy();
        var batch = new BackwardTrajectorySampler(env).Sample(policy, starts, new GFlowNetRandom(ndim * 31 + height));
        CheckBatchInvariants(env, batch, starts);
        Assert.AreEqual(0, batch.Lengths[0], "s0 has no backward step");
        Assert.AreEqual(ndim * (height - 1), batch.Lengths[1], "the corner is D(H − 1) steps from s0");
        Assert.AreEqual(ndim * (height - 1), batch.StepCount);
        Assert.AreEqual(batch.StepCount, policy.Calls, "one policy call per backward step");
        Assert.AreEqual(batch.Lengths.Sum(), batch.RowCount);
    }

    [TestMethod]
    public void StartStatesFromAForwardBatchAreRetracedToTheOrigin()
    {
        var env = new HyperGrid(3, 6);
        var forward = new TrajectorySampler(env).Sample(new UniformPolicy(), 300, new GFlowNetRandom(40), epsilon: 0.5);
        var batch = new BackwardTrajectorySampler(env).Sample(new UniformPolicy(), forward.TerminalStates, new GFlowNetRandom(41));
        CheckBatchInvariants(env, batch, forward.TerminalStates);
        // A forward trajectory to x has sum(x) moves plus the exit; its backward trajectory has the sum(x) moves only.
        for (int i = 0; i < 300; i++) Assert.AreEqual(forward.Lengths[i] - 1, batch.Lengths[i]);
    }

    [TestMethod]
    public void HandWorkedBatch()
    {
        // D = 2, starts (0,0), (2,0), (0,1). (2,0) and (0,1) each have a single parent at every step, so the batch is
        // fully determined: step 0 = rows [traj 1 at (2,0), traj 2 at (0,1)], step 1 = [traj 1 at (1,0)].
        var env = new HyperGrid(2, 3);
        int[] starts = [0, 0, 2, 0, 0, 1];
        var batch = new BackwardTrajectorySampler(env).Sample(new UniformPolicy(), starts, new GFlowNetRandom(1));
        CheckBatchInvariants(env, batch, starts);
        CollectionAssert.AreEqual(new[] { 0, 2, 1 }, batch.Lengths);
        CollectionAssert.AreEqual(new[] { 0, 2, 3 }, batch.StepOffsets);
        CollectionAssert.AreEqual(new[] { 1, 2, 1 }, batch.RowTrajectory);
        CollectionAssert.AreEqual(new[] { 2, 0, 0, 1, 1, 0 }, batch.RowStates);
        CollectionAssert.AreEqual(new[] { 0, 1, 0 }, batch.RowActions);
        CollectionAssert.AreEqual(new[] { 2, -1, -1 }, batch.RowNext);
        CollectionAssert.AreEqual(new[] { 1, 0, 0, 0, 0, 0 }, batch.ParentStates);
        CollectionAssert.AreEqual(new[] { 0, 1, 0 }, batch.ForwardActions);
        // Forward masks of the parents (1,0), (0,0), (0,0) on H = 3: everything allowed.
        Assert.IsTrue(batch.ParentMasks.All(m => m));
        // The uniform backward policy: log 1 = 0 on the one allowed parent, −∞ on the other.
        CollectionAssert.AreEqual(new[] { 0f, float.NegativeInfinity, float.NegativeInfinity, 0f, 0f, float.NegativeInfinity }, batch.RowLogProbabilities);
        for (int r = 0; r < 3; r++) Assert.AreEqual(0f, batch.ActionLogProbability(r));
    }

    [TestMethod]
    public void StartAtTheOriginGivesNoRows()
    {
        var env = new HyperGrid(3, 4);
        var policy = new UniformPolicy();
        int[] starts = new int[5 * 3];
        var batch = new BackwardTrajectorySampler(env).Sample(policy, starts, new GFlowNetRandom(2));
        Assert.AreEqual(5, batch.Size);
        Assert.AreEqual(0, batch.RowCount);
        Assert.AreEqual(0, batch.StepCount);
        CollectionAssert.AreEqual(new[] { 0 }, batch.StepOffsets);
        CollectionAssert.AreEqual(new int[5], batch.Lengths);
        Assert.IsEmpty(batch.RowStates);
        Assert.IsEmpty(batch.ParentStates);
        Assert.IsEmpty(batch.ParentFeatures);
        Assert.IsEmpty(batch.ParentMasks);
        Assert.IsEmpty(batch.ForwardActions);
        Assert.AreEqual(0, policy.Calls, "no step, no policy call");
        CheckBatchInvariants(env, batch, starts);
    }

    [TestMethod]
    public void MaskedBackwardActionsAreNeverTakenEvenWhenThePolicyWantsThem()
    {
        // The policy puts all its mass on "−1 on dim 0", which is masked once x_0 = 0: from there the draw must fall
        // back to the allowed actions. On policy, every trajectory first walks dim 0 down to 0.
        var env = new HyperGrid(3, 5);
        int[] starts = RandomCells(env, 300, 7);
        var batch = new BackwardTrajectorySampler(env).Sample(new FixedActionPolicy(0), starts, new GFlowNetRandom(8));
        CheckBatchInvariants(env, batch, starts);
        for (int r = 0; r < batch.RowCount; r++)
        {
            int x0 = batch.RowStates[r * 3];
            if (x0 > 0) Assert.AreEqual(0, batch.RowActions[r], $"row {r}: on policy while x_0 > 0");
            else Assert.AreNotEqual(0, batch.RowActions[r], $"row {r}: dim 0 is masked at x_0 = 0");
        }
        // The rows that fell back record the policy's own (zero) probability of the action taken.
        Assert.IsTrue(Enumerable.Range(0, batch.RowCount).Any(r => batch.RowStates[r * 3] == 0));
        for (int r = 0; r < batch.RowCount; r++)
            Assert.AreEqual(batch.RowStates[r * 3] > 0 ? 0f : float.NegativeInfinity, batch.ActionLogProbability(r));
    }

    [TestMethod]
    public void ActionLogProbabilityIsTheEntryOfTheTakenAction()
    {
        // Under the uniform backward policy, log π_B(b|s) = −log(#nonzero coordinates of s).
        var env = new HyperGrid(3, 6);
        int[] starts = RandomCells(env, 200, 9);
        var batch = new BackwardTrajectorySampler(env).Sample(new UniformPolicy(), starts, new GFlowNetRandom(10));
        Assert.IsGreaterThan(0, batch.RowCount);
        for (int r = 0; r < batch.RowCount; r++)
        {
            Assert.AreEqual(batch.RowLogProbabilities[r * 3 + batch.RowActions[r]], batch.ActionLogProbability(r));
            int nonzero = batch.RowStates.AsSpan(r * 3, 3).ToArray().Count(x => x > 0);
            Assert.AreEqual(-MathF.Log(nonzero), batch.ActionLogProbability(r), $"row {r}");
        }
    }

    /// <summary>Counts each distinct backward path (its sequence of backward actions) of trajectories 0..n−1.</summary>
    private static Dictionary<string, int> PathCounts(BackwardTrajectoryBatch batch)
    {
        var first = new int[batch.Size];
        Array.Fill(first, -1);
        for (int r = batch.StepOffsets[1] - 1; r >= 0; r--) first[batch.RowTrajectory[r]] = r;
        var counts = new Dictionary<string, int>();
        for (int i = 0; i < batch.Size; i++)
        {
            var path = new List<int>();
            for (int r = first[i]; r >= 0; r = batch.RowNext[r]) path.Add(batch.RowActions[r]);
            string key = string.Join(",", path);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }

    /// <summary>Each path's count lies within 5 binomial standard deviations sqrt(n·p(1 − p)) of n·p.</summary>
    private static void AssertPathFrequencies(Dictionary<string, int> counts, Dictionary<string, double> exact, int n)
    {
        CollectionAssert.AreEquivalent(exact.Keys.ToArray(), counts.Keys.ToArray(), "the set of sampled paths");
        foreach (var (path, p) in exact)
        {
            double sigma = Math.Sqrt(n * p * (1 - p));
            Assert.AreEqual(n * p, counts[path], 5 * sigma, $"path {path}: {counts[path]} of {n}, exact p = {p}");
        }
    }

    [TestMethod]
    public void UniformBackwardPathsFromOneOneAreEquallyLikely()
    {
        // From (1,1): (1,1)→(0,1)→(0,0) [actions 0,1] or (1,1)→(1,0)→(0,0) [actions 1,0], ½ each. σ = sqrt(n/4) = 100.
        const int n = 40_000;
        var env = new HyperGrid(2, 4);
        var starts = new int[2 * n];
        Array.Fill(starts, 1);
        var batch = new BackwardTrajectorySampler(env).Sample(new UniformPolicy(), starts, new GFlowNetRandom(11));
        AssertPathFrequencies(PathCounts(batch), new() { ["0,1"] = 0.5, ["1,0"] = 0.5 }, n);
    }

    [TestMethod]
    public void UniformBackwardPathsFromTwoOneMatchTheHandComputation()
    {
        // From (2,1) the uniform π_B picks among the nonzero coordinates:
        //   (2,1) –½→ (1,1) –½→ (0,1) –1→ (0,0): actions 0,0,1, p = ¼
        //   (2,1) –½→ (1,1) –½→ (1,0) –1→ (0,0): actions 0,1,0, p = ¼
        //   (2,1) –½→ (2,0) –1→  (1,0) –1→ (0,0): actions 1,0,0, p = ½
        // (not ⅓ each: the uniform backward policy is not uniform over paths). n = 40 000: σ = 86.6 for ¼, 100 for ½;
        // the tolerance is 5σ, and ⅓ vs ¼ differs by 3 333 counts, i.e. about 38σ.
        const int n = 40_000;
        var env = new HyperGrid(2, 4);
        var starts = new int[2 * n];
        for (int i = 0; i < n; i++) { starts[2 * i] = 2; starts[2 * i + 1] = 1; }
        var batch = new BackwardTrajectorySampler(env).Sample(new UniformPolicy(), starts, new GFlowNetRandom(12));
        AssertPathFrequencies(PathCounts(batch), new() { ["0,0,1"] = 0.25, ["0,1,0"] = 0.25, ["1,0,0"] = 0.5 }, n);
    }

    [TestMethod]
    public void UniformBackwardPathsFromOneOneOneAreEquallyLikely()
    {
        // 3D, from (1,1,1): the 3! orders of decrementing the coordinates, each ⅓·½·1 = ⅙. σ = sqrt(n·⅙·⅚) ≈ 91.3 at n = 60 000.
        const int n = 60_000;
        var env = new HyperGrid(3, 3);
        var starts = new int[3 * n];
        Array.Fill(starts, 1);
        var batch = new BackwardTrajectorySampler(env).Sample(new UniformPolicy(), starts, new GFlowNetRandom(13));
        var exact = new Dictionary<string, double>();
        foreach (var path in new[] { "0,1,2", "0,2,1", "1,0,2", "1,2,0", "2,0,1", "2,1,0" }) exact[path] = 1.0 / 6;
        AssertPathFrequencies(PathCounts(batch), exact, n);
    }

    [TestMethod]
    public void SameSeedSameBatchDifferentSeedDifferentBatch()
    {
        var env = new HyperGrid(3, 5);
        int[] starts = RandomCells(env, 256, 14);
        var sampler = new BackwardTrajectorySampler(env);
        var a = sampler.Sample(new UniformPolicy(), starts, new GFlowNetRandom(99));
        var b = sampler.Sample(new UniformPolicy(), starts, new GFlowNetRandom(99));
        var c = sampler.Sample(new UniformPolicy(), starts, new GFlowNetRandom(100));

        CollectionAssert.AreEqual(a.StepOffsets, b.StepOffsets);
        CollectionAssert.AreEqual(a.RowTrajectory, b.RowTrajectory);
        CollectionAssert.AreEqual(a.RowStates, b.RowStates);
        CollectionAssert.AreEqual(a.RowFeatures, b.RowFeatures);
        CollectionAssert.AreEqual(a.RowMasks, b.RowMasks);
        CollectionAssert.AreEqual(a.RowLogProbabilities, b.RowLogProbabilities);
        CollectionAssert.AreEqual(a.RowActions, b.RowActions);
        CollectionAssert.AreEqual(a.RowNext, b.RowNext);
        CollectionAssert.AreEqual(a.Lengths, b.Lengths);
        CollectionAssert.AreEqual(a.StartStates, b.StartStates);
        CollectionAssert.AreEqual(a.ParentStates, b.ParentStates);
        CollectionAssert.AreEqual(a.ParentFeatures, b.ParentFeatures);
        CollectionAssert.AreEqual(a.ParentMasks, b.ParentMasks);
        CollectionAssert.AreEqual(a.ForwardActions, b.ForwardActions);

        // Lengths and step offsets depend only on the start states; the paths depend on the seed.
        CollectionAssert.AreEqual(a.Lengths, c.Lengths);
        CollectionAssert.AreEqual(a.StepOffsets, c.StepOffsets);
        Assert.IsFalse(a.RowActions.SequenceEqual(c.RowActions));
    }

    [TestMethod]
    public void SamplingAdvancesTheRandomSourceAndDoesNotTouchTheStartStates()
    {
        var env = new HyperGrid(2, 6);
        int[] starts = RandomCells(env, 128, 15);
        int[] copy = (int[])starts.Clone();
        var sampler = new BackwardTrajectorySampler(env);
        var random = new GFlowNetRandom(16);
        var first = sampler.Sample(new UniformPolicy(), starts, random);
        var second = sampler.Sample(new UniformPolicy(), starts, random);
        CollectionAssert.AreEqual(copy, starts, "the caller's start states are not modified");
        Assert.IsFalse(first.RowActions.SequenceEqual(second.RowActions));
        Assert.AreNotSame(starts, first.StartStates, "the batch keeps its own copy");
    }

    [TestMethod]
    public void TrajectoryLongerThanDeclaredMaximumThrows()
    {
        // From state 4 of a chain the backward trajectory is 4 steps; a chain that declares 3 is caught.
        int[] start = [4];
        var ok = new BackwardTrajectorySampler(new ChainEnvironment(5, null)).Sample(new UniformPolicy(), start, new GFlowNetRandom(1));
        Assert.AreEqual(4, ok.Lengths[0]);
        CollectionAssert.AreEqual(new[] { 4, 3, 2, 1 }, ok.RowStates);
        CollectionAssert.AreEqual(new[] { 3, 2, 1, 0 }, ok.ParentStates);
        CollectionAssert.AreEqual(new[] { 1, 2, 3, -1 }, ok.RowNext);
        var sampler = new BackwardTrajectorySampler(new ChainEnvironment(5, null, maxTrajectoryLength: 3));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => sampler.Sample(new UniformPolicy(), start, new GFlowNetRandom(1)));
        Assert.Contains("MaxTrajectoryLength", e.Message);
    }

    [TestMethod]
    [DataRow(0)]
    [DataRow(1)]
    [DataRow(5)]
    public void StartStatesNotAPositiveMultipleOfTheStateWidthThrow(int length)
    {
        var sampler = new BackwardTrajectorySampler(new HyperGrid(2, 4));
        var starts = new int[length];
        Array.Fill(starts, 1);
        var e = Assert.ThrowsExactly<ArgumentException>(() => sampler.Sample(new UniformPolicy(), starts, new GFlowNetRandom(1)));
        Assert.AreEqual("startStates", e.ParamName);
    }

    [TestMethod]
    public void NullArgumentsThrow()
    {
        var sampler = new BackwardTrajectorySampler(new HyperGrid(2, 4));
        int[] starts = [1, 1];
        Assert.ThrowsExactly<ArgumentNullException>(() => new BackwardTrajectorySampler(null!));
        Assert.ThrowsExactly<ArgumentNullException>(() => sampler.Sample(null!, starts, new GFlowNetRandom(1)));
        Assert.ThrowsExactly<ArgumentNullException>(() => sampler.Sample(new UniformPolicy(), starts, null!));
    }
}
