using GFlowNetML.Sampling;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Objectives;

/// <summary>
/// Trajectory balance (Malkin et al. 2022): L = mean_n (log Z + Σ_t log π_F(a_t|s_t) − max(log R(x), clamp) − Σ_t log π_B(s_t|s_{t+1}))²,
/// with π_B uniform over parents. Works with ε-noisy sampling (the loss uses the un-noised π_F).
/// </summary>
internal sealed class TrajectoryBalanceObjective(TrainingContext context) : TrainingObjective(context)
{
    public override bool RequiresOnPolicy => false;

    public override double Update(TrajectoryBatch batch, Tensor logPF)
    {
        int size = batch.Size;
        double[] logPB = batch.UniformBackwardLogProbabilities();
        var targets = new float[size];
        var sumLogPB = new double[size];
        for (int row = 0; row < batch.RowCount; row++) sumLogPB[batch.RowTrajectory[row]] += logPB[row];
        for (int n = 0; n < size; n++) targets[n] = (float)(ClampedLogReward(batch.LogRewards[n]) + sumLogPB[n]);

        var owners = tensor(batch.RowTrajectory.Select(i => (long)i).ToArray(), [batch.RowCount]);
        var sumLogPF = zeros(size).index_add(0, owners, logPF, 1);
        var residual = Context.LogZ + sumLogPF - tensor(targets, [size]);
        var loss = residual.pow(2).mean();
        Context.PolicyOptimizer.ZeroGrad();
        loss.backward();
        Context.PolicyOptimizer.Step();
        return loss.item<float>();
    }
}
