namespace GFlowNetML.Torch.Objectives;

/// <summary>
/// Sub-trajectory balance SubTB(λ) (Madan et al. 2023) with geometric-within weighting and a learned state flow log F(s).
/// A trajectory with n actions (the exit included), states s_0 … s_{n−1} = x, has a residual for every run of k
/// consecutive actions i … i+k−1:
/// log F(s_i) + Σ log π_F − (log F(s_{i+k}) + Σ log π_B) when it ends at a state, and
/// log F(s_i) + Σ log π_F − (max(log R(x), clamp) + Σ log π_B) when it ends with the exit (no π_B for the exit).
/// Each residual² weighs λ^(k−1), normalised within the trajectory by Σ_k (n − k + 1)·λ^(k−1); L is the mean over
/// trajectories. k = 1 gives DB's terms, the whole trajectory TB's with Z = F(s0). log Z is reported as log F(s0).
/// </summary>
internal sealed class SubTrajectoryBalanceObjective(TrainingContext context) : BalanceObjective(context, learnsFlow: true)
{
    internal override Gradient Derivatives(Inputs inputs)
    {
        var batch = inputs.Batch;
        int size = batch.Size, rows = batch.RowCount;
        double lambda = Context.Options.SubTrajectoryLambda;
        var dPF = new double[rows];
        var dPB = new double[rows];
        var dF = new double[rows];
        double loss = 0;

        // Each trajectory's rows in order.
        var rowsOf = new int[size][];
        for (int n = 0; n < size; n++) rowsOf[n] = new int[batch.Lengths[n]];
        for (int row = 0, step = 0; row < rows; row++)
        {
            if (row == batch.StepOffsets[step + 1]) step++;
            rowsOf[batch.RowTrajectory[row]][step] = row;
        }

        foreach (var r in rowsOf)
        {
            int n = r.Length;
            // Prefix sums: pf[j] = Σ_{t<j} log π_F, pb[j] = Σ_{t<j} log π_B (the exit row's log π_B is 0).
            var pf = new double[n + 1];
            var pb = new double[n + 1];
            for (int t = 0; t < n; t++) { pf[t + 1] = pf[t] + inputs.LogPF[r[t]]; pb[t + 1] = pb[t] + inputs.LogPB[r[t]]; }
            double logR = inputs.LogR[batch.RowTrajectory[r[0]]];
            double normaliser = 0, weight = 1;
            for (int k = 1; k <= n; k++, weight *= lambda) normaliser += (n - k + 1) * weight;
            // Difference arrays: a residual's derivative reaches every action of its run.
            var runPF = new double[n + 1];
            var runPB = new double[n + 1];
            for (int i = 0; i < n; i++)
            {
                double w = 1;
                for (int end = i + 1; end <= n; end++, w *= lambda) // the run is actions i .. end−1
                {
                    bool exits = end == n;
                    double residual = inputs.LogF[r[i]] + pf[end] - pf[i] - ((exits ? logR : inputs.LogF[r[end]]) + pb[end] - pb[i]);
                    double scaled = w / normaliser / size;
                    loss += scaled * residual * residual;
                    double g = 2 * scaled * residual;
                    dF[r[i]] += g;
                    if (!exits) dF[r[end]] -= g;
                    runPF[i] += g; runPF[end] -= g;
                    runPB[i] -= g; runPB[end] += g;
                }
            }
            double accPF = 0, accPB = 0;
            for (int t = 0; t < n; t++)
            {
                accPF += runPF[t]; accPB += runPB[t];
                dPF[r[t]] = accPF;
                dPB[r[t]] = batch.RowNext[r[t]] >= 0 ? accPB : 0;
            }
        }
        return new Gradient(loss, dPF, dPB, dF, 0);
    }
}
