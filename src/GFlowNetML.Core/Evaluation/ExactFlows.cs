namespace GFlowNetML.Evaluation;

/// <summary>
/// The exact state flows for a fixed backward policy that is uniform over parents, and the forward policy they
/// define: F(s) = R(s)·1[s can exit] + Σ_{s'∈Ch(s)} F(s')·P_B(s|s'), P_F(s'|s) = F(s')·P_B(s|s')/F(s),
/// P_F(exit|s) = R(s)/F(s). That policy samples exactly R/Z*, and F(s0) = Z*: a training-free check of an
/// environment, its masks, the DP and the metrics.
/// </summary>
internal static class ExactFlows
{
    /// <summary>log F(s) for every state, with P_B uniform over parents.</summary>
    public static double[] LogFlows(StateSpace space)
    {
        int actions = space.Environment.ActionCount, exit = actions - 1;
        var logFlow = new double[space.Count];
        var terms = new List<double>();
        for (int s = space.Count - 1; s >= 0; s--)
        {
            terms.Clear();
            int t = space.TerminalPosition[s];
            if (t >= 0) terms.Add(space.TerminalLogRewards[t]);
            for (int a = 0; a < exit; a++)
            {
                int child = space.Children[s * actions + a];
                if (child >= 0) terms.Add(logFlow[child] - Math.Log(space.ParentCount[child]));
            }
            logFlow[s] = StateSpace.LogSumExp(terms.ToArray());
        }
        return logFlow;
    }

    /// <summary>The forward policy the flows define, as log-probabilities (<c>Count · ActionCount</c>; disallowed actions −∞).</summary>
    public static double[] OptimalForwardLogProbabilities(StateSpace space, double[] logFlow)
    {
        int actions = space.Environment.ActionCount, exit = actions - 1;
        var logProbs = new double[space.Count * actions];
        Array.Fill(logProbs, double.NegativeInfinity);
        for (int s = 0; s < space.Count; s++)
        {
            for (int a = 0; a < exit; a++)
            {
                int child = space.Children[s * actions + a];
                if (child >= 0) logProbs[s * actions + a] = logFlow[child] - Math.Log(space.ParentCount[child]) - logFlow[s];
            }
            int t = space.TerminalPosition[s];
            if (t >= 0) logProbs[s * actions + exit] = space.TerminalLogRewards[t] - logFlow[s];
        }
        return logProbs;
    }
}
