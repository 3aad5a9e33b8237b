using GFlowNetML.Environments;
using GFlowNetML.Guides;
using GFlowNetML.Sampling;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Objectives;
using GFlowNetML.Torch.Training;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Tests;

/// <summary>
/// RL-B and RL-G's backward update: the backward costs against an independent evaluation of the networks (and of the
/// hyper-grid guide), a learned P_B's log-probabilities on a forward batch, the backward policy's and backward critic's
/// gradients against autograd, and RL-G's refusal to run without a guide.
/// </summary>
[TestClass]
public sealed class PolicyGradientBackwardTests
{
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void BackwardCostsAreLogPBMinusTheLogProbabilityOfTheForwardPolicyOrOfTheGuide(bool guided)
    {
        var env = TestRuns.Grid(5);
        var options = TestRuns.Small(guided ? TrainingMethod.PolicyGradientGuided : TrainingMethod.PolicyGradientBackward, 1, seed: 2);
        var (context, policy) = ObjectiveTests.Context(options, env);
        using var backward = BackwardPolicy.Create(env, options, context.InitRandom);
        Assert.IsNotNull(backward.Policy, "RL-B and RL-G always learn P_B");
        using var update = new BackwardPolicyGradient(context, backward, guided ? new HyperGridGuide(env) : null);
        var forward = new TrajectorySampler(env).Sample(policy, 32, new GFlowNetRandom(1));
        var batch = new BackwardTrajectorySampler(env).Sample(backward.Policy, forward.TerminalStates, new GFlowNetRandom(2));
        Assert.IsGreaterThan(20, batch.RowCount);

        double[] costs = update.BackwardCosts(batch);
        double[] expected = IndependentBackwardCosts(env, batch, policy.Network, backward.Policy.Network, guided);
        Assert.HasCount(batch.RowCount, costs);
        for (int row = 0; row < batch.RowCount; row++) Assert.AreEqual(expected[row], costs[row], 1e-5, $"row {row}");

        if (guided)
        {
            // The guide must have changed something: some parents are base-reward cells where π_G ≠ π_F.
            double[] unguided = IndependentBackwardCosts(env, batch, policy.Network, backward.Policy.Network, guided: false);
            Assert.IsTrue(Enumerable.Range(0, batch.RowCount).Any(row => Math.Abs(unguided[row] - costs[row]) > 1e-3), "the guide differs from π_F");
        }
    }

    [TestMethod]
    public void LearnedBackwardLogProbabilitiesOnAForwardBatchAreTheBackwardNetworkAtTheChildState()
    {
        var env = TestRuns.Grid(5, ndim: 3);
        var options = TestRuns.Small(TrainingMethod.PolicyGradientBackward, 1, seed: 9);
        var (context, policy) = ObjectiveTests.Context(options, env);
        using var backward = BackwardPolicy.Create(env, options, context.InitRandom);
        var batch = new TrajectorySampler(env).Sample(policy, 24, new GFlowNetRandom(4));
        double[] logPB = backward.Evaluate(batch, TorchPolicy.Features(batch));

        int d = env.Dimensions;
        for (int row = 0; row < batch.RowCount; row++)
        {
            int next = batch.RowNext[row];
            if (next < 0) { Assert.AreEqual(0.0, logPB[row], $"exit row {row}"); continue; }
            var child = batch.RowStates.AsSpan(next * d, d).ToArray();
            // In the hyper-grid the forward action "+1 on dimension k" is undone by the backward action "−1 on dimension k".
            int k = batch.RowActions[row];
            var all = HostLogSoftmax(Logits(backward.Policy!.Network, env, child), Enumerable.Range(0, d).Select(j => child[j] > 0).ToArray());
            Assert.AreEqual(all[k], logPB[row], 1e-5, $"row {row}");
        }

        // The uniform P_B: −log(number of parents of the child) = −log(number of nonzero coordinates).
        using var uniform = BackwardPolicy.Create(env, TestRuns.Small(TrainingMethod.PolicyGradientUniform, 1), context.InitRandom);
        Assert.IsNull(uniform.Policy);
        double[] uniformLogPB = uniform.Evaluate(batch, TorchPolicy.Features(batch));
        for (int row = 0; row < batch.RowCount; row++)
        {
            int next = batch.RowNext[row];
            double expected = next < 0 ? 0 : -Math.Log(batch.RowStates.AsSpan(next * d, d).ToArray().Count(x => x > 0));
            Assert.AreEqual(expected, uniformLogPB[row], 1e-12, $"row {row}");
        }
    }

    [TestMethod]
    public void OneRlBIterationChangesTheBackwardPolicyAndTheBackwardCritic()
    {
        using var trainer = new GFlowNetTrainer(TestRuns.Grid(5), TestRuns.Small(TrainingMethod.PolicyGradientBackward, 1));
        // The forward policy, then the objective's: critic, backward policy, backward critic.
        var networks = trainer.Networks;
        Assert.HasCount(4, networks);
        Assert.AreEqual(trainer.Environment.BackwardActionCount, networks[2].Sizes[^1], "the backward policy");
        Assert.AreEqual(1, networks[3].Sizes[^1], "the backward critic");
        var before = networks.Select(TestSampling.Snapshot).ToArray();
        trainer.TrainOneIteration();
        string[] names = ["forward policy", "critic", "backward policy", "backward critic"];
        for (int i = 0; i < networks.Count; i++)
        {
            var after = TestSampling.Snapshot(networks[i]);
            Assert.IsTrue(after.All(float.IsFinite), names[i]);
            Assert.IsFalse(before[i].SequenceEqual(after), $"the {names[i]} is updated");
        }
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void BackwardGradientsAreAutogradOfTheAdvantageSurrogateAndOfTheCriticLoss(bool guided)
    {
        var env = TestRuns.Grid(5);
        var options = TestRuns.Small(guided ? TrainingMethod.PolicyGradientGuided : TrainingMethod.PolicyGradientBackward, 1, seed: 6);
        options.BackwardLambda = guided ? 0.8 : 1.0; // the default λ = 1, and a λ < 1
        var (context, policy) = ObjectiveTests.Context(options, env);
        using var backward = BackwardPolicy.Create(env, options, context.InitRandom);
        using var update = new BackwardPolicyGradient(context, backward, guided ? new HyperGridGuide(env) : null);
        var backwardNetwork = backward.Policy!.Network;
        var critic = update.Networks[0];
        var forward = new TrajectorySampler(env).Sample(policy, 24, new GFlowNetRandom(3));

        // Draw the backward batch the update will draw, from a copy of the sampling random state.
        var copy = new GFlowNetRandom(0);
        copy.SetState(context.Random.GetState());
        var batch = new BackwardTrajectorySampler(env).Sample(backward.Policy, forward.TerminalStates, copy);
        int rows = batch.RowCount, size = batch.Size, count = env.BackwardActionCount;
        double[] costs = IndependentBackwardCosts(env, batch, policy.Network, backwardNetwork, guided);
        var features = TensorData.FromSpan(batch.RowFeatures, rows, env.EncodingWidth);
        float[] values;
        using (no_grad()) values = TensorData.ToArray(critic.Forward(features));

        // Â_t = Σ_l λ^l δ_{t+l}, δ_t = r_t + V(s_{t+1}) − V(s_t), V(s0) = 0; Ĝ_t = Σ_{l≥0} r_{t+l}: along each backward trajectory.
        var advantages = new double[rows];
        var returns = new double[rows];
        for (int row = 0; row < rows; row++)
        {
            double weight = 1;
            for (int t = row; t >= 0; t = batch.RowNext[t], weight *= options.BackwardLambda)
            {
                int next = batch.RowNext[t];
                advantages[row] += weight * (costs[t] + (next >= 0 ? values[next] : 0) - values[t]);
                returns[row] += costs[t];
            }
        }
        double mean = advantages.Average();
        var coefficients = advantages.Select(a => (float)((a - mean) / size)).ToArray();

        var masks = tensor(batch.RowMasks, [rows, count]);
        var actions = tensor(batch.RowActions.Select(a => (long)a).ToArray(), [rows, 1]);
        var logPB = new TorchPolicy(backwardNetwork, count).LogProbabilities(features, masks).gather(1, actions).squeeze(1);
        var surrogate = (tensor(coefficients) * logPB).sum();
        var expectedBackward = TensorData.ToArray(autograd.grad([surrogate], [backwardNetwork.Flat])[0]);
        var target = TensorData.FromSpan(returns.Select(r => (float)r).ToArray(), rows, 1);
        var criticLoss = (critic.Forward(features) - target).pow(2).sum() / size;
        var expectedCritic = TensorData.ToArray(autograd.grad([criticLoss], [critic.Flat])[0]);

        update.Update(forward);

        TestSampling.AssertClose(expectedBackward, TestSampling.FirstStepGradient(backward.Optimizer!), 1e-4, "backward policy");
        TestSampling.AssertClose(expectedCritic, TestSampling.FirstStepGradient(update.Optimizers[0]), 1e-4, "backward critic");
        Assert.AreEqual(costs.Sum() / size, update.LastBackwardObjective, 1e-5, "J_B estimate: the mean over trajectories of Σ r^B");
        Assert.AreEqual(copy.NextUInt64(), context.Random.NextUInt64(), "the update drew its backward batch from the sampling random source");
    }

    [TestMethod]
    public void RlGWithoutAGuideOnAnEnvironmentWithoutADefaultGuideIsRefused()
    {
        var env = new GuidelessGrid(TestRuns.Grid(4));
        Assert.IsNull(env.DefaultGuide);
        var e = Assert.ThrowsExactly<ArgumentException>(() => new GFlowNetTrainer(env, TestRuns.Small(TrainingMethod.PolicyGradientGuided, 2)));
        StringAssert.Contains(e.Message, "guide");
        StringAssert.Contains(e.Message, "rl-g");

        // RL-B needs no guide there, and RL-G runs with one passed explicitly.
        using (var rlB = new GFlowNetTrainer(env, TestRuns.Small(TrainingMethod.PolicyGradientBackward, 2)))
        {
            Assert.IsNull(rlB.Guide);
            Assert.IsTrue(rlB.Train().Completed);
        }
        var guide = new HyperGridGuide(TestRuns.Grid(4));
        using var rlG = new GFlowNetTrainer(env, TestRuns.Small(TrainingMethod.PolicyGradientGuided, 2), guide);
        Assert.AreSame(guide, rlG.Guide);
        Assert.IsTrue(rlG.Train().Completed);
    }

    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>r^B = log π_B(b|s) − max(log π_G(s|s'), −1e5) for every row of a backward batch on a hyper-grid,
    /// evaluating both networks state by state on the host; π_G = π_F, or (guided) π_F with the exit log-probability
    /// capped at log 1e-5 in base-reward cells and renormalised.</summary>
    private static double[] IndependentBackwardCosts(HyperGrid env, BackwardTrajectoryBatch batch, Mlp forward, Mlp backward, bool guided)
    {
        int d = env.Dimensions, top = env.Height - 1;
        var costs = new double[batch.RowCount];
        for (int row = 0; row < batch.RowCount; row++)
        {
            var state = batch.RowStates.AsSpan(row * d, d).ToArray();
            int b = batch.RowActions[row];
            var parent = (int[])state.Clone();
            parent[b]--;
            CollectionAssert.AreEqual(parent, batch.ParentStates.AsSpan(row * d, d).ToArray(), "the parent is one step down");
            var logPB = HostLogSoftmax(Logits(backward, env, state), state.Select(x => x > 0).ToArray());
            var forwardMask = parent.Select(x => x < top).Append(true).ToArray();
            var logPF = HostLogSoftmax(Logits(forward, env, parent), forwardMask);
            if (guided && env.Reward(parent) == env.R0)
            {
                logPF[d] = Math.Min(logPF[d], Math.Log(1e-5));
                logPF = HostLogSoftmax(logPF, forwardMask);
            }
            costs[row] = logPB[b] - Math.Max(logPF[b], BackwardPolicyGradient.LogGuideFloor);
        }
        return costs;
    }

    /// <summary>The network's outputs at one hyper-grid cell, encoded here (one-hot per coordinate).</summary>
    private static double[] Logits(Mlp network, HyperGrid env, int[] cell)
    {
        var x = new float[env.EncodingWidth];
        for (int k = 0; k < cell.Length; k++) x[k * env.Height + cell[k]] = 1;
        using var _ = no_grad();
        return TensorData.ToArray(network.Forward(TensorData.FromSpan(x, 1, x.Length))).Select(v => (double)v).ToArray();
    }

    /// <summary>log-softmax over the allowed entries, in double (−∞ elsewhere).</summary>
    internal static double[] HostLogSoftmax(double[] logits, bool[] allowed)
    {
        double max = logits.Where((_, i) => allowed[i]).Max();
        double lse = max + Math.Log(logits.Where((_, i) => allowed[i]).Sum(v => Math.Exp(v - max)));
        return logits.Select((v, i) => allowed[i] ? v - lse : double.NegativeInfinity).ToArray();
    }

    /// <summary>A hyper-grid without a built-in guide (every member delegates; <see cref="GFlowNetEnvironment.DefaultGuide"/> stays null).</summary>
    private sealed class GuidelessGrid(HyperGrid grid) : GFlowNetEnvironment
    {
        public override string Name => "guideless-" + grid.Name;
        public override string Description => "guideless-" + grid.Description;
        public override int StateWidth => grid.StateWidth;
        public override int ActionCount => grid.ActionCount;
        public override int BackwardActionCount => grid.BackwardActionCount;
        public override int EncodingWidth => grid.EncodingWidth;
        public override int MaxTrajectoryLength => grid.MaxTrajectoryLength;
        public override double? LogPartition => grid.LogPartition;
        public override void WriteInitialState(Span<int> state) => grid.WriteInitialState(state);
        public override void ForwardMasks(ReadOnlySpan<int> states, Span<bool> masks) => grid.ForwardMasks(states, masks);
        public override void BackwardMasks(ReadOnlySpan<int> states, Span<bool> masks) => grid.BackwardMasks(states, masks);
        public override void Step(Span<int> states, ReadOnlySpan<int> actions) => grid.Step(states, actions);
        public override void BackwardStep(Span<int> states, ReadOnlySpan<int> backwardActions) => grid.BackwardStep(states, backwardActions);
        public override void ToBackwardActions(ReadOnlySpan<int> parents, ReadOnlySpan<int> actions, Span<int> backwardActions) => grid.ToBackwardActions(parents, actions, backwardActions);
        public override void ToForwardActions(ReadOnlySpan<int> children, ReadOnlySpan<int> backwardActions, Span<int> actions) => grid.ToForwardActions(children, backwardActions, actions);
        public override void Encode(ReadOnlySpan<int> states, Span<float> features) => grid.Encode(states, features);
        public override void LogReward(ReadOnlySpan<int> states, Span<double> logRewards) => grid.LogReward(states, logRewards);
        public override bool IsMode(ReadOnlySpan<int> state) => grid.IsMode(state);
        public override int[]? EnumerateStates() => grid.EnumerateStates();
    }
}
