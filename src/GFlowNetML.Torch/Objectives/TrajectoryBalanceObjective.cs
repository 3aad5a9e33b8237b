using GFlowNetML.Sampling;
using GFlowNetML.Torch.Networks;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Objectives;

/// <summary>
/// Trajectory balance (Malkin et al. 2022): L = mean_n (log Z + Σ_t log π_F(a_t|s_t) − max(log R(x), clamp) − Σ_t log π_B(s_t|s_{t+1}))²,
/// with π_B uniform over parents. Works with ε-noisy sampling (the loss uses the un-noised π_F). Its gradient is linear in
/// the log-probabilities once the residuals are detached, so the policy's backward products give it exactly.
/// </summary>
internal sealed class TrajectoryBalanceObjective(TrainingContext context) : TrainingObjective(context)
{
    public override bool RequiresOnPolicy => false;

    public override double Update(TrajectoryBatch batch)
    {
        int size = batch.Size;
        double logZ = Context.LogZ.detach().item<float>();
        double[] logPB = batch.UniformBackwardLogProbabilities();
        var residuals = new double[size];
        for (int n = 0; n < size; n++) residuals[n] = logZ - ClampedLogReward(batch.LogRewards[n]);
        for (int row = 0; row < batch.RowCount; row++)
            residuals[batch.RowTrajectory[row]] += batch.ActionLogProbability(row) - logPB[row];

        // L = mean_n δ_n²: dL/dlog π_F(a_t|s_t) = 2δ_n/N for every row of trajectory n, dL/dlog Z = 2·mean δ.
        var coefficients = new double[batch.RowCount];
        for (int row = 0; row < batch.RowCount; row++) coefficients[row] = 2 * residuals[batch.RowTrajectory[row]] / size;
        StepPolicy(batch, TorchForwardPolicy.Features(batch), coefficients, 2 * residuals.Average());
        return residuals.Average(d => d * d);
    }
}
