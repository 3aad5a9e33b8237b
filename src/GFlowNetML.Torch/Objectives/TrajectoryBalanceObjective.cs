namespace GFlowNetML.Torch.Objectives;

/// <summary>
/// Trajectory balance (Malkin et al. 2022): L = mean_n δ_n² with
/// δ_n = log Z + Σ_t log π_F(a_t|s_t) − max(log R(x), clamp) − Σ_t log π_B(s_t|s_{t+1}), π_B uniform over parents or learned.
/// dL/dlog π_F = 2δ_n/N on every row of trajectory n, dL/dlog π_B = −2δ_n/N, dL/dlog Z = 2·mean δ.
/// </summary>
internal sealed class TrajectoryBalanceObjective(TrainingContext context) : BalanceObjective(context, learnsFlow: false)
{
    protected override bool UsesLogZ => true;

    internal override Gradient Derivatives(Inputs inputs)
    {
        var batch = inputs.Batch;
        int size = batch.Size, rows = batch.RowCount;
        var residuals = new double[size];
        for (int n = 0; n < size; n++) residuals[n] = inputs.LogZ - inputs.LogR[n];
        for (int row = 0; row < rows; row++) residuals[batch.RowTrajectory[row]] += inputs.LogPF[row] - inputs.LogPB[row];
        var dPF = new double[rows];
        var dPB = new double[rows];
        for (int row = 0; row < rows; row++)
        {
            dPF[row] = 2 * residuals[batch.RowTrajectory[row]] / size;
            if (batch.RowNext[row] >= 0) dPB[row] = -dPF[row]; // the exit has no backward step
        }
        return new Gradient(residuals.Average(d => d * d), dPF, dPB, [], 2 * residuals.Average());
    }
}
