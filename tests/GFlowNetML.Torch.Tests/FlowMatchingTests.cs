using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Sampling;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Objectives;
using GFlowNetML.Torch.Training;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Tests;

/// <summary>
/// Flow matching: the loss on a small grid against a recomputation on the host (state by state, parents found by hand),
/// one update lowering the loss of its batch, and the trained policy read exactly: π_F is the masked softmax of the edge
/// flows and log Z the log of the total flow out of s0.
/// </summary>
[TestClass]
public sealed class FlowMatchingTests
{
    private static (TrainingContext Context, TorchPolicy Policy, FlowMatchingObjective Objective) Create(HyperGrid env, long seed)
    {
        var options = TestRuns.Small(TrainingMethod.FlowMatching, 1, seed);
        var (context, policy) = ObjectiveTests.Context(options, env);
        return (context, policy, new FlowMatchingObjective(context));
    }

    [TestMethod]
    [DataRow(3, 2, 1L)]
    [DataRow(4, 2, 2L)]
    [DataRow(3, 3, 3L)]
    public void LossIsTheFlowMismatchOfVisitedStatesPlusTheRewardMismatchOfTerminalStates(int height, int ndim, long seed)
    {
        var env = TestRuns.Grid(height, ndim);
        var (context, policy, objective) = Create(env, seed);
        using var _ = objective;
        var batch = TestSampling.SampleForTraining(policy, env, 16, seed + 10);
        double expected = HostLoss(env, policy.Network, batch, context.Options.LogRewardClamp);
        double loss = objective.Update(batch);
        Assert.AreEqual(expected, loss, 1e-4 * Math.Max(1, expected));
    }

    [TestMethod]
    public void TheRewardClampEntersBothTheExitTargetAndTheOutgoingFlow()
    {
        // With a clamp of −1, log R = log 0.01 is raised to −1 in both places; the host recomputation follows suit.
        var env = TestRuns.Grid(3);
        var options = TestRuns.Small(TrainingMethod.FlowMatching, 1, 4);
        options.LogRewardClamp = -1;
        var (context, policy) = ObjectiveTests.Context(options, env);
        using var objective = new FlowMatchingObjective(context);
        var batch = TestSampling.SampleForTraining(policy, env, 16, 5);
        Assert.IsTrue(batch.LogRewards.Any(r => r < -1), "some terminal states are clamped");
        double expected = HostLoss(env, policy.Network, batch, -1);
        Assert.AreNotEqual(expected, HostLoss(env, policy.Network, batch, -12), 1e-3);
        Assert.AreEqual(expected, objective.Update(batch), 1e-4 * Math.Max(1, expected));
    }

    [TestMethod]
    public void OneUpdateLowersTheLossOfItsBatchAndReportsLogZAsTheFlowOutOfS0()
    {
        var env = TestRuns.Grid(4);
        var (context, policy, objective) = Create(env, 7);
        using var _ = objective;
        var batch = TestSampling.SampleForTraining(policy, env, 32, 8);
        double before = objective.Update(batch);
        double after = HostLoss(env, policy.Network, batch, context.Options.LogRewardClamp);
        Assert.IsLessThan(before, after, $"loss {before} → {after}");

        // log Z = log Σ_a F(s0 → ·) over s0's allowed edges (all of them on a grid with H > 1), at the updated θ.
        var s0 = Logits(policy.Network, env, new int[env.Dimensions]);
        Assert.AreEqual(LogSumExp(s0), context.LogZ.item<float>(), 1e-5);
    }

    [TestMethod]
    public void AfterTrainingTheExactEvaluationReadsTheEdgeFlowsAndLogZIsTheFlowOutOfS0()
    {
        var env = TestRuns.Grid(4);
        using var trainer = new GFlowNetTrainer(env, TestRuns.Small(TrainingMethod.FlowMatching, 30));
        var first = trainer.Train();
        Assert.IsTrue(first.Completed);
        var policyNetwork = trainer.Networks[0];
        Assert.AreEqual(env.ActionCount, policyNetwork.Sizes[^1]);

        var s0 = Logits(policyNetwork, env, new int[env.Dimensions]);
        Assert.AreEqual(LogSumExp(s0), trainer.LogZ, 1e-5, "log Z = log of the total flow out of s0");
        var exact = trainer.EvaluateExact();
        Assert.AreEqual(trainer.LogZ, exact.LogZ, 1e-6);
        Assert.AreEqual(env.LogPartition!.Value, exact.TrueLogZ, 1e-9);
        Assert.IsTrue(exact.TotalVariation is >= 0 and <= 1, $"TV {exact.TotalVariation}");
        Assert.IsTrue(double.IsFinite(exact.JensenShannon));
        Assert.IsLessThan(first.History[0].ExactTotalVariation, exact.TotalVariation, "30 iterations of FM improve on the untrained policy");

        // π_F(·|s) is the masked softmax of the edge flows at every state.
        var space = StateSpace.Enumerate(env);
        float[] logProbabilities = trainer.ForwardLogProbabilities(space);
        int actions = env.ActionCount;
        for (int s = 0; s < space.Count; s++)
        {
            var cell = space.State(s).ToArray();
            var expected = PolicyGradientBackwardTests.HostLogSoftmax(Logits(policyNetwork, env, cell), space.ForwardMask.AsSpan(s * actions, actions).ToArray());
            for (int a = 0; a < actions; a++)
            {
                if (space.ForwardMask[s * actions + a]) Assert.AreEqual(expected[a], logProbabilities[s * actions + a], 1e-5, $"state {s}, action {a}");
                else Assert.AreEqual(0.0, Math.Exp(logProbabilities[s * actions + a]), $"state {s}, masked action {a}");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>
    /// The FM loss recomputed on the host in double, state by state, with the edge flows read from the network at each
    /// state: for every row past step 0 (a visited state s' ≠ s0, repeats counted)
    /// (log(Σ_parents F(s → s') + ε) − log(Σ_{allowed moves} F(s' → ·) + R(s') + ε))², averaged; plus, for every
    /// trajectory, (log F(x → s_f) − max(log R(x), clamp))², averaged; ε = 1e-6, R(s') clamped like log R.
    /// </summary>
    private static double HostLoss(HyperGrid env, Mlp network, TrajectoryBatch batch, double clamp)
    {
        int d = env.Dimensions, top = env.Height - 1, exit = env.ExitAction;
        const double epsilon = 1e-6;
        double flow = 0;
        int visited = 0;
        for (int row = batch.StepOffsets[1]; row < batch.RowCount; row++, visited++)
        {
            var state = batch.RowStates.AsSpan(row * d, d).ToArray();
            double incoming = epsilon;
            for (int k = 0; k < d; k++)
            {
                if (state[k] == 0) continue;
                var parent = (int[])state.Clone();
                parent[k]--;
                incoming += Math.Exp(Logits(network, env, parent)[k]); // the parent's edge "+1 on k"
            }
            var own = Logits(network, env, state);
            double outgoing = epsilon + Math.Exp(Math.Max(Math.Log(env.Reward(state)), clamp));
            for (int k = 0; k < d; k++) if (state[k] < top) outgoing += Math.Exp(own[k]);
            double mismatch = Math.Log(incoming) - Math.Log(outgoing);
            flow += mismatch * mismatch;
        }
        double reward = 0;
        for (int n = 0; n < batch.Size; n++)
        {
            var x = batch.TerminalState(n).ToArray();
            double r = Logits(network, env, x)[exit] - Math.Max(Math.Log(env.Reward(x)), clamp);
            reward += r * r;
        }
        return (visited > 0 ? flow / visited : 0) + reward / batch.Size;
    }

    /// <summary>The network's outputs (edge log-flows) at one cell, encoded here (one-hot per coordinate).</summary>
    private static double[] Logits(Mlp network, GFlowNetEnvironment env, int[] cell)
    {
        var grid = (HyperGrid)env;
        var x = new float[env.EncodingWidth];
        for (int k = 0; k < cell.Length; k++) x[k * grid.Height + cell[k]] = 1;
        using var _ = no_grad();
        return TensorData.ToArray(network.Forward(TensorData.FromSpan(x, 1, x.Length))).Select(v => (double)v).ToArray();
    }

    private static double LogSumExp(double[] values)
    {
        double max = values.Max();
        return max + Math.Log(values.Sum(v => Math.Exp(v - max)));
    }
}
