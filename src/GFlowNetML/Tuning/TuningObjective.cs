namespace GFlowNetML.Tuning;

/// <summary>
/// The metric an experiment minimises, computed from each trial's fitted sampler. The built-in ones read the final
/// evaluation of training (<see cref="GFlowNetSamplerTransformer.Result"/>): exact where the environment's states can be
/// enumerated, sampled elsewhere.
/// </summary>
public sealed class TuningObjective
{
    private readonly Func<GFlowNetSamplerTransformer, double> _metric;

    private TuningObjective(string name, Func<GFlowNetSamplerTransformer, double> metric)
    {
        Name = name;
        _metric = metric;
    }

    /// <summary>The metric's name (for reports).</summary>
    public string Name { get; }

    /// <summary>The default: <see cref="TotalVariation"/> where the environment can be enumerated (an exact final
    /// evaluation), otherwise <see cref="NegativeTopKMeanReward"/>.</summary>
    public static TuningObjective Default { get; } = new("exact TV, else -top-k mean reward", m => m.Result.Final.IsExact ? ExactTotalVariation(m) : -TopKMeanReward(m));

    /// <summary>The final exact total variation ½·Σ|P_T(x) − R(x)/Z*|; the trial fails where the space is not enumerable.</summary>
    public static TuningObjective TotalVariation { get; } = new("exact TV", ExactTotalVariation);

    /// <summary>The final |log Z − log Z*|; the trial fails where the space is not enumerable (log Z* unknown).</summary>
    public static TuningObjective LogZError { get; } = new("|log Z - log Z*|", m =>
    {
        var final = m.Result.Final;
        if (!final.IsExact) throw new InvalidOperationException($"|log Z − log Z*| needs the exact log Z*, but the states of {m.Environment.Description} cannot be enumerated.");
        return Math.Abs(m.LogZ - final.TrueLogZ);
    });

    /// <summary>Minus the mean reward of the top-k distinct objects of the final evaluation's samples (exact evaluations
    /// carry no samples: use <see cref="TotalVariation"/> there).</summary>
    public static TuningObjective NegativeTopKMeanReward { get; } = new("-top-k mean reward", m => -TopKMeanReward(m));

    /// <summary>A metric of the user's own, computed from each trial's fitted sampler (lower is better; NaN fails the trial).</summary>
    /// <param name="name">The metric's name (for reports).</param>
    /// <param name="metric">The metric of a fitted sampler.</param>
    public static TuningObjective Custom(string name, Func<GFlowNetSamplerTransformer, double> metric)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(metric);
        return new TuningObjective(name, metric);
    }

    /// <summary>The metric of <paramref name="model"/>.</summary>
    public double Evaluate(GFlowNetSamplerTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return _metric(model);
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    private static double ExactTotalVariation(GFlowNetSamplerTransformer m)
    {
        var final = m.Result.Final;
        if (!final.IsExact) throw new InvalidOperationException($"The exact total variation needs an enumerable state space, but the states of {m.Environment.Description} cannot be enumerated.");
        return final.ExactTotalVariation;
    }

    private static double TopKMeanReward(GFlowNetSamplerTransformer m)
        => m.Result.Final.Sampled?.TopKMeanReward
           ?? throw new InvalidOperationException($"The final evaluation of {m.Environment.Description} is exact and carries no samples; use the exact total variation.");
}
