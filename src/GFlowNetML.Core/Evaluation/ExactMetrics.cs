namespace GFlowNetML.Evaluation;

/// <summary>The exact quality of a sampler on an enumerable environment.</summary>
/// <param name="TotalVariation">½·Σ|P_T(x) − R(x)/Z*|.</param>
/// <param name="JensenShannon">The Jensen–Shannon divergence between P_T and R/Z*, in nats.</param>
/// <param name="LogZ">The learned log Z.</param>
/// <param name="TrueLogZ">The exact log Z*.</param>
public sealed record ExactMetrics(double TotalVariation, double JensenShannon, double LogZ, double TrueLogZ)
{
    /// <summary>|log Z − log Z*|.</summary>
    public double LogZError => Math.Abs(LogZ - TrueLogZ);

    /// <summary>Evaluates a forward policy: its terminating distribution by DP, against R/Z*.</summary>
    /// <param name="space">The enumerated state space.</param>
    /// <param name="logProbabilities">log π_F(a|s) for every state and action.</param>
    /// <param name="logZ">The learned log Z.</param>
    public static ExactMetrics Evaluate(StateSpace space, ReadOnlySpan<float> logProbabilities, double logZ)
    {
        double[] p = TerminatingDistribution.Compute(space, logProbabilities);
        return new ExactMetrics(
            DistributionMetrics.TotalVariation(p, space.TargetDistribution),
            DistributionMetrics.JensenShannon(p, space.TargetDistribution),
            logZ, space.LogPartition);
    }
}
