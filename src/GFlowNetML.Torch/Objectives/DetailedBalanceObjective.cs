namespace GFlowNetML.Torch.Objectives;

/// <summary>
/// Detailed balance (Bengio et al. 2023) with a learned state flow log F(s): every transition s → s' of the batch has the
/// residual log F(s) + log π_F(s'|s) − log F(s') − log π_B(s|s'), and every exit x → s_f the residual
/// log F(x) + log π_F(s_f|x) − max(log R(x), clamp). L = (1/N)·Σ residual² (a sum over transitions, a mean over
/// trajectories, as in the reference code). log Z is reported as log F(s0).
/// </summary>
internal sealed class DetailedBalanceObjective(TrainingContext context) : BalanceObjective(context, learnsFlow: true)
{
    internal override Gradient Derivatives(Inputs inputs)
    {
        var batch = inputs.Batch;
        int size = batch.Size, rows = batch.RowCount;
        var dPF = new double[rows];
        var dPB = new double[rows];
        var dF = new double[rows];
        double loss = 0;
        for (int row = 0; row < rows; row++)
        {
            int next = batch.RowNext[row];
            double target = next >= 0 ? inputs.LogF[next] + inputs.LogPB[row] : inputs.LogR[batch.RowTrajectory[row]];
            double residual = inputs.LogF[row] + inputs.LogPF[row] - target;
            loss += residual * residual;
            double g = 2 * residual / size;
            dPF[row] = g;
            dF[row] += g;
            if (next >= 0)
            {
                dF[next] -= g;
                dPB[row] = -g;
            }
        }
        return new Gradient(loss / size, dPF, dPB, dF, 0);
    }
}
