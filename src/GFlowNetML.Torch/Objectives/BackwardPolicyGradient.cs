using GFlowNetML.Guides;
using GFlowNetML.Sampling;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Training;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Objectives;

/// <summary>
/// The backward update of RL-B and RL-G (Niu et al., ICML 2024, Definitions 1 and 2): backward trajectories
/// x → … → s0 are drawn from π_B, starting at the terminal states of the forward batch; each backward step s → s' costs
/// (detached) r^B = log π_B(s'|s) − log π_G(s|s'), where π_G is the current forward policy (RL-B) or a guide (RL-G).
/// The terminal term log R(x) − log Z is constant given x and omitted. A backward critic V^B (V^B(s0) = 0) gives
/// λ-advantages (λ = <see cref="GFlowNetTrainerOptions.BackwardLambda"/>, 1 by default), centred over the batch; the
/// critic is stepped first, then π_B by one Adam step of (1/N)Σ Â^B·log π_B. This minimises
/// J_B = E_x KL(P_B(·|x) ‖ P_G(·|x)) over π_B.
/// </summary>
internal sealed class BackwardPolicyGradient : IDisposable
{
    /// <summary>The floor on log π_G inside the backward costs (a guide may give an action no mass).</summary>
    public const double LogGuideFloor = -1e5;

    private readonly TrainingContext _context;
    private readonly BackwardPolicy _backward;
    private readonly GFlowNetGuide? _guide;
    private readonly Critic _critic;
    private readonly BackwardTrajectorySampler _sampler;

    public BackwardPolicyGradient(TrainingContext context, BackwardPolicy backward, GFlowNetGuide? guide)
    {
        _context = context;
        _backward = backward;
        _guide = guide;
        _critic = new Critic(context.Environment.EncodingWidth, context.Options, context.InitRandom);
        _sampler = new BackwardTrajectorySampler(context.Environment);
    }

    public IReadOnlyList<Mlp> Networks => [_critic.Network];

    public IReadOnlyList<Adam> Optimizers => [_critic.Optimizer];

    /// <summary>The mean over trajectories of Σ_t r^B_t of the last update: an estimate of J_B (up to a constant).</summary>
    public double LastBackwardObjective { get; private set; }

    public void Update(TrajectoryBatch forward)
    {
        var env = _context.Environment;
        var policy = _backward.Policy!;
        _guide?.Observe(forward.TerminalStates, forward.LogRewards);
        BackwardTrajectoryBatch batch;
        policy.CacheActivations = true;
        try { batch = _sampler.Sample(policy, forward.TerminalStates, _context.Random); }
        finally { policy.CacheActivations = false; }
        if (batch.RowCount == 0) { policy.ClearCache(); LastBackwardObjective = 0; return; }

        int rows = batch.RowCount, size = batch.Size;
        var costs = BackwardCosts(batch);
        var features = TensorData.FromSpan(batch.RowFeatures, rows, env.EncodingWidth);
        var hidden = new List<Tensor>();
        float[] v = _critic.Values(features, hidden);
        var (advantages, returns) = Critic.Advantages(costs, v, batch.RowNext, _context.Options.BackwardLambda);
        double total = 0;
        for (int row = 0; row < batch.StepOffsets[1]; row++) total += returns[row];
        LastBackwardObjective = total / size;
        _critic.Step(features, hidden, v, returns, size);
        var coefficients = Critic.CentredCoefficients(advantages, size);
        _backward.Optimizer!.Step([policy.Gradients(batch, features, coefficients)]);
    }

    /// <summary>The detached backward costs r^B = log π_B(s'|s) − log π_G(s|s') of every row.</summary>
    internal double[] BackwardCosts(BackwardTrajectoryBatch batch)
    {
        var env = _context.Environment;
        int rows = batch.RowCount, actions = env.ActionCount, width = env.StateWidth;
        float[] guide = _context.Policy.Evaluate(TensorData.FromSpan(batch.ParentFeatures, rows, env.EncodingWidth), batch.ParentMasks);
        if (_guide is not null)
        {
            var targets = new int[rows * width];
            for (int row = 0; row < rows; row++)
                batch.StartStates.AsSpan(batch.RowTrajectory[row] * width, width).CopyTo(targets.AsSpan(row * width));
            var forward = guide;
            guide = new float[forward.Length];
            _guide.LogProbabilities(batch.ParentStates, batch.ParentMasks, targets, forward, guide);
        }
        var costs = new double[rows];
        for (int row = 0; row < rows; row++)
            costs[row] = batch.ActionLogProbability(row) - Math.Max(guide[row * actions + batch.ForwardActions[row]], LogGuideFloor);
        return costs;
    }

    public void Dispose() => _critic.Dispose();
}
