using GFlowNetML.Environments;
using GFlowNetML.Guides;
using GFlowNetML.Rewards;
using GFlowNetML.Sampling;

namespace GFlowNetML.Core.Tests;

/// <summary>The sequence guide: mean buffered reward per consistent action, the floor, the π_F fallback, the buffer, and
/// row normalisation over every action model.</summary>
[TestClass]
public sealed class SequenceGuideTests
{
    private static SequenceEnvironment Env(int k, int l, SequenceActionModel model) => new(SequenceReward.FromLogReward(k, l, s => 0.0), model);

    private static float[] Uniform(SequenceEnvironment env, int[] states)
    {
        int rows = states.Length / env.StateWidth;
        var masks = new bool[rows * env.ActionCount];
        env.ForwardMasks(states, masks);
        var logPf = new float[masks.Length];
        new UniformPolicy().LogProbabilities(new float[rows * env.EncodingWidth], masks, rows, logPf);
        return logPf;
    }

    private static double[] Probabilities(GFlowNetGuide guide, SequenceEnvironment env, int[] state, int[] target, float[]? logPf = null)
    {
        var masks = new bool[env.ActionCount];
        env.ForwardMasks(state, masks);
        logPf ??= Uniform(env, state);
        var result = new float[env.ActionCount];
        guide.LogProbabilities(state, masks, target, logPf, result);
        for (int a = 0; a < masks.Length; a++)
            if (!masks[a]) Assert.AreEqual(float.NegativeInfinity, result[a], $"masked action {a}");
        return result.Select(v => Math.Exp(v)).ToArray();
    }

    [TestMethod]
    public void WriteAnyBlankFavoursTheBufferedHighRewardContinuation()
    {
        // K = 2, L = 3. Buffer: 000 (R 1), 011 (R 9), 010 (R 7), 100 (R 4). State 0__, target 000.
        // Consistent actions: write 0 at 1 (a = 1; child 00_, reached by 000 → mean 1) and write 0 at 2 (a = 2; child 0_0,
        // reached by 000 and 010 → mean 4). 0 at 1 and 1 at 2 (a = 4, 5) contradict the target: floor.
        var env = Env(2, 3, SequenceActionModel.WriteAnyBlank);
        var guide = new SequenceGuide(env);
        guide.Observe([0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0], [0, Math.Log(9), Math.Log(7), Math.Log(4)]);
        Assert.AreEqual(4, guide.Count);
        double[] p = Probabilities(guide, env, [0, -1, -1], [0, 0, 0]);
        Assert.AreEqual(0.2, p[1], 1e-6);
        Assert.AreEqual(0.8, p[2], 1e-6);
        Assert.AreEqual(0.0, p[4] + p[5], 1e-30);
        Assert.AreEqual(1.0, p.Sum(), 1e-6);
        // With target 011 from 0__: a = 4 (1 at 1: 01_, reached by 011, 010 → 8) and a = 5 (1 at 2: 0_1, reached by 011 → 9).
        p = Probabilities(guide, env, [0, -1, -1], [0, 1, 1]);
        Assert.AreEqual(8.0 / 17, p[4], 1e-6);
        Assert.AreEqual(9.0 / 17, p[5], 1e-6);
    }

    [TestMethod]
    public void PrependOrAppendUsesContiguousBlocks()
    {
        // K = 2, L = 3, actions: append 0/1 = 0/1, prepend 0/1 = 2/3, exit 4. Buffer: 100 (R 1), 001 (R 5), 101 (R 3).
        // State "0", target 100: append 0 and prepend 0 both give "00" (in 100 and 001 → mean 3), prepend 1 gives "10"
        // (in 100 and 101 → mean 2), append 1 gives "01", not in the target.
        var env = Env(2, 3, SequenceActionModel.PrependOrAppend);
        var guide = new SequenceGuide(env);
        guide.Observe([1, 0, 0, 0, 0, 1, 1, 0, 1], [0, Math.Log(5), Math.Log(3)]);
        double[] p = Probabilities(guide, env, [0, -1, -1], [1, 0, 0]);
        Assert.AreEqual(3.0 / 8, p[0], 1e-6);
        Assert.AreEqual(0.0, p[1], 1e-30);
        Assert.AreEqual(3.0 / 8, p[2], 1e-6);
        Assert.AreEqual(2.0 / 8, p[3], 1e-6);
        Assert.AreEqual(0.0, p[4]);
    }

    [TestMethod]
    public void AppendPutsAllMassOnTheOnlyConsistentAction()
    {
        var env = Env(3, 3, SequenceActionModel.Append);
        var guide = new SequenceGuide(env);
        guide.Observe([2, 1, 0], [0.0]);
        double[] p = Probabilities(guide, env, [2, -1, -1], [2, 1, 0]);
        CollectionAssert.AreEqual(new[] { 0.0, 1.0, 0.0, 0.0 }, p.Select(v => Math.Round(v, 9)).ToArray());
    }

    [TestMethod]
    public void EmptyBufferOrNoSupportFallsBackToTheForwardPolicy()
    {
        var env = Env(2, 3, SequenceActionModel.WriteAnyBlank);
        var guide = new SequenceGuide(env);
        int[] state = [0, -1, -1];
        var masks = new bool[7];
        env.ForwardMasks(state, masks);
        float[] logPf = [float.NegativeInfinity, MathF.Log(0.1f), MathF.Log(0.2f), float.NegativeInfinity, MathF.Log(0.3f), MathF.Log(0.4f), float.NegativeInfinity];
        var result = new float[7];
        guide.LogProbabilities(state, masks, [0, 1, 1], logPf, result);
        CollectionAssert.AreEqual(logPf, result, "empty buffer: π_G = π_F");
        guide.Observe([1, 1, 1], [0.0]);   // 111 is not reachable from 0__
        guide.LogProbabilities(state, masks, [0, 1, 1], logPf, result);
        CollectionAssert.AreEqual(logPf, result, "no buffered sequence supports a consistent action");
        // A full state: exit is its only action.
        Assert.AreEqual(1.0, Probabilities(guide, env, [1, 1, 1], [1, 1, 1])[6], 1e-12);
    }

    [TestMethod]
    public void LeastRecentlyObservedSequenceIsEvicted()
    {
        // K = 2, L = 2, capacity 2. Observe 00, 11, then 00 again (refresh), then 01: 11 is dropped.
        var env = Env(2, 2, SequenceActionModel.WriteAnyBlank);
        var guide = new SequenceGuide(env, capacity: 2);
        guide.Observe([0, 0, 1, 1], [0.0, 0.0]);
        guide.Observe([0, 0, 0, 0], [0.0, 0.0]);
        Assert.AreEqual(2, guide.Count, "duplicates are stored once");
        // From 1_ towards 11: with 11 buffered, all mass on "1 at 1" (a = 3) against "0 at 1" (a = 1).
        Assert.AreEqual(1.0, Probabilities(guide, env, [1, -1], [1, 1])[3], 1e-9);
        guide.Observe([0, 1], [0.0]);
        Assert.AreEqual(2, guide.Count);
        Assert.AreEqual(0.5, Probabilities(guide, env, [1, -1], [1, 1])[3], 1e-6, "11 was evicted: back to the uniform π_F");
        Assert.AreEqual(1.0, Probabilities(guide, env, [0, -1], [0, 0])[1], 1e-9, "00 was refreshed, so it stayed");
    }

    [TestMethod]
    [DataRow(SequenceActionModel.WriteAnyBlank)]
    [DataRow(SequenceActionModel.Append)]
    [DataRow(SequenceActionModel.PrependOrAppend)]
    public void BackwardBatchRowsAreNormalisedFiniteOnTheTakenActionAndIndependentOfBatching(SequenceActionModel model)
    {
        // How RL-G uses the guide: backward trajectories from terminal sequences, the guide on their parents with the start
        // sequences as targets. Rows sum to 1 over the allowed actions, the taken action (consistent with its target) has a
        // finite log-probability, inconsistent actions get no mass, and the batched (parallel) call equals row-by-row calls.
        var table = new SyntheticBindingLandscape(4, 5, 3, 1).ToTable();
        var env = new SequenceEnvironment(table, model);
        var guide = new SequenceGuide(env);
        var random = new GFlowNetRandom(9);
        var starts = new int[64 * 5];
        for (int i = 0; i < starts.Length; i++) starts[i] = random.NextInt(4);
        var logR = new double[64];
        env.LogReward(starts, logR);
        guide.Observe(starts, logR);
        var others = new int[1000 * 5];
        for (int i = 0; i < others.Length; i++) others[i] = random.NextInt(4);
        var otherLogR = new double[1000];
        env.LogReward(others, otherLogR);
        guide.Observe(others, otherLogR);

        var batch = new BackwardTrajectorySampler(env).Sample(new UniformPolicy(), starts, random);
        int rows = batch.RowCount, actions = env.ActionCount;
        var logPf = new float[rows * actions];
        new UniformPolicy().LogProbabilities(batch.ParentFeatures, batch.ParentMasks, rows, logPf);
        var targets = new int[rows * 5];
        for (int r = 0; r < rows; r++) batch.StartStates.AsSpan(5 * batch.RowTrajectory[r], 5).CopyTo(targets.AsSpan(5 * r, 5));
        var logPg = new float[rows * actions];
        guide.LogProbabilities(batch.ParentStates, batch.ParentMasks, targets, logPf, logPg);
        var child = new int[5];
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            for (int a = 0; a < actions; a++) sum += Math.Exp(logPg[r * actions + a]);
            Assert.AreEqual(1.0, sum, 1e-5, $"row {r}");
            Assert.IsGreaterThan(-20f, logPg[r * actions + batch.ForwardActions[r]], $"row {r}: the taken action is consistent and buffered");
            for (int a = 0; a < actions - 1; a++)
            {
                if (!batch.ParentMasks[r * actions + a]) continue;
                batch.ParentStates.AsSpan(5 * r, 5).CopyTo(child);
                env.Step(child, [a]);
                bool consistent = model == SequenceActionModel.PrependOrAppend
                    ? targets.AsSpan(5 * r, 5).IndexOf(child.AsSpan(0, child.AsSpan().IndexOf(-1) is int m && m >= 0 ? m : 5)) >= 0
                    : Enumerable.Range(0, 5).All(p => child[p] < 0 || child[p] == targets[5 * r + p]);
                if (!consistent) Assert.IsLessThan(-1e4f, logPg[r * actions + a], $"row {r}, inconsistent action {a}");
            }
            var single = new float[actions];
            guide.LogProbabilities(batch.ParentStates.AsSpan(5 * r, 5), batch.ParentMasks.AsSpan(r * actions, actions), targets.AsSpan(5 * r, 5), logPf.AsSpan(r * actions, actions), single);
            CollectionAssert.AreEqual(single, logPg.AsSpan(r * actions, actions).ToArray(), $"row {r}");
        }
    }

    [TestMethod]
    public void ArgumentsAreChecked()
    {
        var env = Env(2, 2, SequenceActionModel.WriteAnyBlank);
        Assert.AreEqual("environment", Assert.ThrowsExactly<ArgumentNullException>(() => new SequenceGuide(null!)).ParamName);
        Assert.AreEqual("capacity", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SequenceGuide(env, 0)).ParamName);
        Assert.AreEqual("logFloor", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SequenceGuide(env, 10, 0)).ParamName);
        Assert.AreEqual("logFloor", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SequenceGuide(env, 10, double.NegativeInfinity)).ParamName);
        var guide = new SequenceGuide(env);
        Assert.AreEqual(SequenceGuide.DefaultCapacity, guide.Capacity);
        Assert.AreEqual(-1e5, guide.LogFloor);
        Assert.AreEqual("sequence-substructure-mean-reward", guide.Name);
        Assert.ThrowsExactly<ArgumentException>(() => guide.Observe([0, -1], [0.0]), "not a full sequence");
        Assert.ThrowsExactly<ArgumentException>(() => guide.Observe([0, 1], [double.NaN]));
        Assert.ThrowsExactly<ArgumentException>(() => guide.Observe([0, 1, 1], [0.0]));
        Assert.ThrowsExactly<ArgumentException>(() => guide.Observe([0, 1], [0.0, 0.0]));
        var masks = new bool[5];
        Assert.ThrowsExactly<ArgumentException>(() => guide.LogProbabilities([-1, -1], masks, [0, 0], new float[5], new float[4]));
        Assert.ThrowsExactly<ArgumentException>(() => guide.LogProbabilities([-1, -1], masks, [0], new float[5], new float[5]));
        Assert.ThrowsExactly<ArgumentException>(() => guide.LogProbabilities([-1, -1, -1], masks, [0, 0, 0], new float[5], new float[5]));
    }
}
