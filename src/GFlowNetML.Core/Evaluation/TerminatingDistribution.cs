namespace GFlowNetML.Evaluation;

/// <summary>
/// The exact terminating distribution P_T of a forward policy, by dynamic programming over an enumerated state space:
/// u(s0) = 1, u(s') = Σ_{s ∈ Pa(s')} u(s)·π_F(s'|s) in topological order, and P_T(x) = u(x)·π_F(exit|x).
/// </summary>
public static class TerminatingDistribution
{
    /// <summary>Computes P_T over <see cref="StateSpace.Terminals"/> from the policy's log-probabilities.</summary>
    /// <param name="space">The enumerated state space.</param>
    /// <param name="logProbabilities">log π_F(a|s) for every state and action (<c>Count · ActionCount</c>, state-major);
    /// entries of disallowed actions are ignored.</param>
    /// <returns>P_T(x) aligned with <see cref="StateSpace.Terminals"/>.</returns>
    public static double[] Compute(StateSpace space, ReadOnlySpan<double> logProbabilities)
    {
        ArgumentNullException.ThrowIfNull(space);
        int actions = space.Environment.ActionCount;
        if (logProbabilities.Length != space.Count * actions)
            throw new ArgumentException($"Expected {space.Count * actions} log-probabilities ({space.Count} states × {actions} actions); got {logProbabilities.Length}.", nameof(logProbabilities));
        var reach = new double[space.Count];
        reach[0] = 1.0;
        var result = new double[space.Terminals.Length];
        int exit = actions - 1;
        for (int s = 0; s < space.Count; s++)
        {
            double u = reach[s];
            if (u == 0) continue;
            int row = s * actions;
            for (int a = 0; a < exit; a++)
            {
                int child = space.Children[row + a];
                if (child >= 0) reach[child] += u * Math.Exp(logProbabilities[row + a]);
            }
            int t = space.TerminalPosition[s];
            if (t >= 0) result[t] = u * Math.Exp(logProbabilities[row + exit]);
        }
        return result;
    }

    /// <summary>Computes P_T from single-precision log-probabilities (as a network produces them).</summary>
    public static double[] Compute(StateSpace space, ReadOnlySpan<float> logProbabilities)
    {
        var wide = new double[logProbabilities.Length];
        for (int i = 0; i < wide.Length; i++) wide[i] = logProbabilities[i];
        return Compute(space, wide);
    }
}
