using GFlowNetML.Sampling;
using GFlowNetML.Torch.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Objectives;

/// <summary>
/// Flow matching (Bengio et al. 2021) as in the reference code: the policy network's logits are log edge flows
/// log F(s → s'), and π_F(·|s) is their masked softmax (the exit's edge flow included), so exact evaluation reads the
/// same policy as every other method. For every state s' visited by the batch (s0 excluded) the incoming and outgoing
/// flows must match,
/// ( log(Σ_{parents s} F(s → s') + ε) − log(Σ_{allowed a ≠ exit} F(s' → ·) + R(s')·1[exit allowed] + ε) )²,
/// averaged over visited states, and at every terminal state the exit flow must match the reward,
/// (log F(x → s_f) − max(log R(x), clamp))², averaged over trajectories; L is their sum (ε = 1e-6). The gradient flows
/// through a forward pass with a graph over the batch's states and all their parents. log Z is reported as the log of
/// the total flow out of s0.
/// </summary>
internal sealed class FlowMatchingObjective(TrainingContext context) : TrainingObjective(context)
{
    /// <summary>The ε inside the logarithms of the flow sums (the reference code's 1e-6).</summary>
    public const double FlowEpsilon = 1e-6;

    public override bool RequiresOnPolicy => false;

    public override bool StepsLogZ => false;

    public override double Update(TrajectoryBatch batch)
    {
        Context.Policy.ClearCache();
        var env = Context.Environment;
        int rows = batch.RowCount, width = env.StateWidth, actions = env.ActionCount, backward = env.BackwardActionCount, exit = env.ExitAction;
        int first = batch.StepOffsets[1], visited = rows - first;

        // The parents of every visited state: (position v·B + b, parent state, forward action parent → state).
        var visitedStates = batch.RowStates.AsSpan(first * width, visited * width);
        var backwardMasks = new bool[visited * backward];
        env.BackwardMasks(visitedStates, backwardMasks);
        var positions = new List<long>();
        var parents = new List<int>();
        var children = new List<int>();
        var backwardActions = new List<int>();
        for (int v = 0; v < visited; v++)
            for (int b = 0; b < backward; b++)
            {
                if (!backwardMasks[v * backward + b]) continue;
                positions.Add((long)v * backward + b);
                children.AddRange(visitedStates.Slice(v * width, width));
                backwardActions.Add(b);
            }
        int parentCount = positions.Count;
        var parentStates = children.ToArray();
        if (parentCount > 0) env.BackwardStep(parentStates, backwardActions.ToArray());
        var edgeActions = new int[parentCount];
        if (parentCount > 0) env.ToForwardActions(children.ToArray(), backwardActions.ToArray(), edgeActions);
        var parentFeatures = new float[parentCount * env.EncodingWidth];
        if (parentCount > 0) env.Encode(parentStates, parentFeatures);

        var logR = new float[rows];
        for (int row = 0; row < rows; row++) logR[row] = (float)ClampedLogReward(batch.LogRewards[batch.RowTrajectory[row]]);
        // log R of the visited states that may exit (only those have a reward: sequences, for one, exit only when full).
        var rowRewards = new double[visited];
        var exiting = Enumerable.Range(0, visited).Where(v => batch.RowMasks[(first + v) * actions + exit]).ToArray();
        if (exiting.Length > 0)
        {
            var exitingStates = new int[exiting.Length * width];
            for (int i = 0; i < exiting.Length; i++) visitedStates.Slice(exiting[i] * width, width).CopyTo(exitingStates.AsSpan(i * width));
            var exitingRewards = new double[exiting.Length];
            env.LogReward(exitingStates, exitingRewards);
            for (int i = 0; i < exiting.Length; i++) rowRewards[exiting[i]] = exitingRewards[i];
        }

        using var _ = enable_grad();
        // Explicit Scalars, alive to the end: an implicitly converted number is a finalizable temporary that nothing
        // references during the native call (a collection on another thread could free it there).
        using Scalar maskedLogit = TorchPolicy.MaskedLogit.ToScalar(), two = 2.ToScalar(), one = 1.ToScalar(),
            negativeInfinity = float.NegativeInfinity.ToScalar(), logEpsilon = Math.Log(FlowEpsilon).ToScalar();
        var features = cat([TorchPolicy.Features(batch), TensorData.FromSpan(parentFeatures, parentCount, env.EncodingWidth)], 0);
        var logits = Context.Policy.Network.Forward(features);
        var rowLogits = logits.narrow(0, 0, rows);

        // Outgoing: the allowed non-exit edge flows of s' and, where s' may exit, its reward.
        var masks = tensor(batch.RowMasks, [rows, actions]).narrow(0, first, visited);
        var exitFlow = new float[visited];
        for (int v = 0; v < visited; v++)
            exitFlow[v] = batch.RowMasks[(first + v) * actions + exit] ? (float)Math.Max(rowRewards[v], Context.Options.LogRewardClamp) : TorchPolicy.MaskedLogit;
        var moves = rowLogits.narrow(0, first, visited).narrow(1, 0, actions - 1)
            .masked_fill(masks.narrow(1, 0, actions - 1).logical_not(), maskedLogit);
        var outgoing = WithEpsilon(logEpsilon, cat([moves, TensorData.FromSpan(exitFlow, visited, 1)], 1).logsumexp(1));

        // Incoming: the edge flows of the parents into s'.
        var parentEdges = logits.narrow(0, rows, parentCount).gather(1, tensor(edgeActions.Select(a => (long)a).ToArray(), [parentCount, 1])).squeeze(1);
        var incomingMatrix = full([(long)visited * backward], maskedLogit).index_copy(0, tensor(positions.ToArray()), parentEdges);
        var incoming = WithEpsilon(logEpsilon, incomingMatrix.view(visited, backward).logsumexp(1));
        var flowLoss = visited > 0 ? (incoming - outgoing).pow(two).mean() : zeros(1).sum();

        // Reward matching at every terminal state (the exit rows).
        var exitRows = Enumerable.Range(0, rows).Where(row => batch.RowNext[row] < 0).Select(row => (long)row).ToArray();
        var exitLogits = rowLogits.index_select(0, tensor(exitRows)).select(1, exit);
        var exitRewards = tensor(exitRows.Select(row => logR[row]).ToArray());
        var rewardLoss = (exitLogits - exitRewards).pow(two).mean();

        var loss = flowLoss.add(rewardLoss, one); // flowLoss + rewardLoss, whose add(Tensor) converts its alpha 1 inside TorchSharp
        var gradient = autograd.grad([loss], [Context.Policy.Network.Flat])[0];
        Context.PolicyOptimizer.Step([gradient, null]);
        using (no_grad())
        {
            // log Z: the total flow out of s0 (row 0 is s0), over its allowed edges.
            var s0 = Context.Policy.Network.Forward(features.narrow(0, 0, 1)).squeeze(0)
                .masked_fill(tensor(batch.RowMasks.AsSpan(0, actions).ToArray()).logical_not(), negativeInfinity);
            using var logZ = s0.logsumexp(0).item<float>().ToScalar();
            Context.LogZ.fill_(logZ);
        }
        return loss.item<float>();

        static Tensor WithEpsilon(Scalar logEpsilon, Tensor logFlow) => stack([logFlow, full_like(logFlow, logEpsilon)], 0).logsumexp(0);
    }
}
