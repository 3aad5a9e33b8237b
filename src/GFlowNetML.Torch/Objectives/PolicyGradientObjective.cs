using GFlowNetML.Sampling;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Training;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Objectives;

/// <summary>
/// The policy-gradient methods of Niu et al. (ICML 2024): RL-U, RL-B and RL-G (and the costs and critic of RL-T).
/// <para>Forward update (all four): per-step policy-dependent costs (detached) r_t = log π_F(s_{t+1}|s_t) − log π_B(s_t|s_{t+1})
/// and, at the exit, r_T = log π_F(s_f|x) − (max(log R(x), clamp) − log Z), so that Σ_t r_t is the trajectory-balance
/// residual δ(τ). A critic V(s) (V(s_f) = 0) regressed on the reward-to-go gives λ-advantages, centred over all steps of
/// the batch (no scaling). RL-U/B/G take one Adam step of (1/N)Σ_n Σ_t Â_t·log π_F(a_t|s_t) (the reference code's
/// ratio·Â surrogate has the same gradient); RL-T takes a trust-region step on the same surrogate
/// (<see cref="TrustRegionObjective"/>). log Z follows the TB-residual gradient mean_n δ(τ_n) with its own learning rate; the
/// critic is stepped first.</para>
/// <para>RL-T derives from this class (<see cref="TrustRegionObjective"/>) and replaces only the actor step.</para>
/// <para>Backward update (RL-B, RL-G, and RL-T with a learned P_B): <see cref="BackwardPolicyGradient"/>, after the forward
/// update. Strictly on-policy.</para>
/// </summary>
internal class PolicyGradientObjective : TrainingObjective
{
    private readonly Critic _critic;
    private readonly BackwardPolicy _backward;
    private readonly BackwardPolicyGradient? _backwardUpdate;

    public PolicyGradientObjective(TrainingContext context) : base(context)
    {
        var o = context.Options;
        _critic = new Critic(context.Environment.EncodingWidth, o, context.InitRandom);
        _backward = BackwardPolicy.Create(context.Environment, o, context.InitRandom);
        if (_backward.Policy is not null)
        {
            var guide = o.Method == TrainingMethod.PolicyGradientGuided
                ? context.Guide ?? throw new ArgumentException($"rl-g needs a guide, and environment '{context.Environment.Name}' has none built in; pass a GFlowNetGuide to the trainer.", nameof(context))
                : null;
            _backwardUpdate = new BackwardPolicyGradient(context, _backward, guide);
        }
    }

    public override bool RequiresOnPolicy => true;

    public override IReadOnlyList<Mlp> Networks => [_critic.Network, .. _backward.Networks, .. _backwardUpdate?.Networks ?? []];

    public override IReadOnlyList<Mlp> Critics => [_critic.Network, .. _backwardUpdate?.Networks ?? []];

    public override IReadOnlyList<Adam> Optimizers => [_critic.Optimizer, .. _backward.Optimizers, .. _backwardUpdate?.Optimizers ?? []];

    public override double Update(TrajectoryBatch batch)
    {
        int rows = batch.RowCount, size = batch.Size;
        var logPF = batch.ActionLogProbabilities();
        var features = TorchPolicy.Features(batch);
        double[] logPB = _backward.Evaluate(batch, features);
        double logZ = Context.LogZ.detach().item<float>();
        var costs = PolicyDependentCosts(batch, logPF, logPB, logZ);

        var criticHidden = new List<Tensor>();
        float[] v = _critic.Values(features, criticHidden);
        var (advantages, returns) = Critic.Advantages(costs, v, batch.RowNext, Context.Options.Lambda);
        var coefficients = Critic.CentredCoefficients(advantages, size);

        // Step 0 holds every trajectory in order, so rows 0..size-1 carry the whole-trajectory residuals δ(τ).
        double meanResidual = 0, meanSquared = 0;
        for (int n = 0; n < size; n++) { meanResidual += returns[n]; meanSquared += returns[n] * returns[n]; }
        meanResidual /= size; meanSquared /= size;

        // Critic first (as in the reference code).
        LastCriticLoss = _critic.Step(features, criticHidden, v, returns, size);

        StepActor(batch, features, coefficients, meanResidual);
        _backwardUpdate?.Update(batch);
        return meanSquared;
    }

    /// <summary>The actor and log Z step: one Adam step of L = Σ_rows c_row·log π_F(a_row|s_row) + mean δ·log Z.</summary>
    /// <param name="batch">The batch (sampled with the policy's activation cache on).</param>
    /// <param name="features">Its encoded states.</param>
    /// <param name="coefficients">c_row = centred advantage / N.</param>
    /// <param name="meanResidual">mean_n δ(τ_n), the gradient of log Z.</param>
    protected virtual void StepActor(TrajectoryBatch batch, Tensor features, double[] coefficients, double meanResidual)
        => StepPolicy(batch, features, coefficients, meanResidual);

    /// <summary>The detached per-row costs r_t; their sum over a trajectory is its TB residual δ(τ).</summary>
    internal double[] PolicyDependentCosts(TrajectoryBatch batch, float[] logPF, double[] logPB, double logZ)
    {
        var costs = new double[batch.RowCount];
        for (int row = 0; row < batch.RowCount; row++)
        {
            costs[row] = batch.RowNext[row] >= 0
                ? logPF[row] - logPB[row]
                : logPF[row] - (ClampedLogReward(batch.LogRewards[batch.RowTrajectory[row]]) - logZ);
        }
        return costs;
    }

    public override void Dispose()
    {
        _critic.Dispose();
        _backward.Dispose();
        _backwardUpdate?.Dispose();
    }
}
