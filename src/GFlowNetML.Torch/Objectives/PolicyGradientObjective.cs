using GFlowNetML.Sampling;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Training;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Objectives;

/// <summary>
/// RL-U, the policy-gradient method of Niu et al. (ICML 2024) with a backward policy uniform over parents.
/// Per-step policy-dependent costs (detached) r_t = log π_F(s_{t+1}|s_t) − log π_B(s_t|s_{t+1}) and, at the exit,
/// r_T = log π_F(s_f|x) − (max(log R(x), clamp) − log Z), so that Σ_t r_t is the trajectory-balance residual δ(τ).
/// A critic V(s) (V(s_f) = 0) regressed on the reward-to-go gives λ-advantages Â_t = Σ_l λ^l (r + V' − V)_{t+l}, centred
/// over all steps of the batch (no scaling). The actor minimises (1/N)Σ_n Σ_t Â_t·log π_F(a_t|s_t) (the reference code's
/// ratio·Â surrogate has the same gradient); log Z follows the TB-residual gradient mean_n δ(τ_n) with its own learning
/// rate. Strictly on-policy.
/// </summary>
internal sealed class PolicyGradientObjective : TrainingObjective
{
    private readonly Mlp _critic;
    private readonly Adam _criticOptimizer;

    public PolicyGradientObjective(TrainingContext context, int encodingWidth) : base(context)
    {
        var o = context.Options;
        _critic = new Mlp(encodingWidth, o.CriticHiddenLayers, o.CriticHiddenWidth, 1, context.InitRandom);
        _criticOptimizer = new Adam([(_critic.Flat, o.CriticLearningRate)]);
    }

    public override bool RequiresOnPolicy => true;

    public override IReadOnlyList<Mlp> Networks => [_critic];

    public override IReadOnlyList<Adam> Optimizers => [_criticOptimizer];

    public override double Update(TrajectoryBatch batch)
    {
        int rows = batch.RowCount, size = batch.Size;
        double lambda = Context.Options.Lambda;
        var lpf = new float[rows];
        for (int row = 0; row < rows; row++) lpf[row] = batch.ActionLogProbability(row);
        double[] logPB = batch.UniformBackwardLogProbabilities();
        double logZ = Context.LogZ.detach().item<float>();

        var costs = PolicyDependentCosts(batch, lpf, logPB, logZ);

        var features = TorchForwardPolicy.Features(batch);
        var criticHidden = new List<Tensor>();
        float[] v;
        using (no_grad()) v = TensorData.ToArray(_critic.Forward(features, criticHidden));

        // Reverse pass over rows: every row's successor has a larger index.
        var advantages = new double[rows];
        var returns = new double[rows];
        for (int row = rows - 1; row >= 0; row--)
        {
            int next = batch.RowNext[row];
            double vNext = next >= 0 ? v[next] : 0.0;
            double delta = costs[row] + vNext - v[row];
            advantages[row] = delta + (next >= 0 ? lambda * advantages[next] : 0.0);
            returns[row] = costs[row] + (next >= 0 ? returns[next] : 0.0);
        }
        // Actor: L = (1/N)·Σ Â_centred·log π_F, so c_row = (Â_row − mean Â)/N.
        double meanAdvantage = advantages.Average();
        var coefficients = new double[rows];
        for (int row = 0; row < rows; row++) coefficients[row] = (advantages[row] - meanAdvantage) / size;

        // Step 0 holds every trajectory in order, so rows 0..size-1 carry the whole-trajectory residuals δ(τ).
        double meanResidual = 0, meanSquared = 0;
        for (int n = 0; n < size; n++) { meanResidual += returns[n]; meanSquared += returns[n] * returns[n]; }
        meanResidual /= size; meanSquared /= size;

        // Critic first (as in the reference code), regressed on the reward-to-go: L_V = (1/N)·Σ (Ĝ − V)², so
        // dL_V/dV = 2(V − Ĝ)/N, pushed through the critic's backward products.
        var valueGradient = new float[rows];
        for (int row = 0; row < rows; row++) valueGradient[row] = (float)(2 * (v[row] - returns[row]) / size);
        _criticOptimizer.Step([_critic.Backward(features, criticHidden, TensorData.FromSpan(valueGradient, rows, 1))]);

        // Actor and log Z: ∂L_Z/∂log Z = mean_n δ(τ_n), the TB-residual gradient.
        StepPolicy(batch, features, coefficients, meanResidual);
        return meanSquared;
    }

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
}
