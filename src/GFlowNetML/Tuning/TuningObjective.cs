using GFlowNetML.Evaluation;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Tuning;

/// <summary>
/// The metric an experiment minimises, computed from each trial's fitted sampler. The built-in ones read the final
/// evaluation of training (<see cref="GFlowNetSamplerTransformer.Result"/>): exact where the environment's states can be
/// enumerated, sampled elsewhere. The built-in ones also compute the same metric from any evaluation record of training
/// (<see cref="Evaluate(EvaluationRecord)"/>), which early stopping reads after every evaluation; for the final record the
/// two agree.
/// </summary>
public sealed class TuningObjective
{
    private readonly Func<GFlowNetSamplerTransformer, double> _metric;
    private readonly Func<EvaluationRecord, double>? _evaluationMetric;

    private TuningObjective(string name, Func<GFlowNetSamplerTransformer, double> metric, Func<EvaluationRecord, double>? evaluationMetric)
    {
        Name = name;
        _metric = metric;
        _evaluationMetric = evaluationMetric;
    }

    /// <summary>The metric's name (for reports).</summary>
    public string Name { get; }

    /// <summary>The default: <see cref="TotalVariation"/> where the environment can be enumerated (an exact final
    /// evaluation), otherwise <see cref="NegativeTopKMeanReward"/>.</summary>
    public static TuningObjective Default { get; } = new($"{GFlowNetMetric.ExactTotalVariation.Abbreviation}, else -{GFlowNetMetric.TopKMeanReward.Name}", m => m.Result.Final.IsExact ? ExactTotalVariation(m) : -TopKMeanReward(m),
        e => e.IsExact ? e.ExactTotalVariation : -e.Sampled!.TopKMeanReward);

    /// <summary>The final exact total variation ½·Σ|P_T(x) − R(x)/Z*|; the trial fails where the space is not enumerable.</summary>
    public static TuningObjective TotalVariation { get; } = new(GFlowNetMetric.ExactTotalVariation.Abbreviation, ExactTotalVariation, e =>
    {
        if (!e.IsExact) throw new InvalidOperationException("The exact total variation needs an enumerable state space; this evaluation was sampled.");
        return e.ExactTotalVariation;
    });

    /// <summary>The final |log Z − log Z*|; the trial fails where the space is not enumerable (log Z* unknown).</summary>
    public static TuningObjective LogZError { get; } = new(GFlowNetMetric.LogZError.Abbreviation, m =>
    {
        var final = m.Result.Final;
        if (!final.IsExact) throw new InvalidOperationException($"|log Z − log Z*| needs the exact log Z*, but the states of {m.Environment.Description} cannot be enumerated.");
        return Math.Abs(m.LogZ - final.TrueLogZ);
    }, e =>
    {
        if (!e.IsExact) throw new InvalidOperationException("|log Z − log Z*| needs the exact log Z*; this evaluation was sampled.");
        return Math.Abs(e.LogZ - e.TrueLogZ);
    });

    /// <summary>Minus the mean reward of the top-k distinct objects of the final evaluation's samples (exact evaluations
    /// carry no samples: use <see cref="TotalVariation"/> there).</summary>
    public static TuningObjective NegativeTopKMeanReward { get; } = new($"-{GFlowNetMetric.TopKMeanReward.Name}", m => -TopKMeanReward(m),
        e => -(e.Sampled?.TopKMeanReward ?? throw new InvalidOperationException("This evaluation is exact and carries no samples; use the exact total variation.")));

    /// <summary>A metric of the user's own, computed from each trial's fitted sampler (lower is better; NaN fails the trial).</summary>
    /// <param name="name">The metric's name (for reports).</param>
    /// <param name="metric">The metric of a fitted sampler.</param>
    /// <remarks>Such an objective cannot judge a trial before it ends, so early stopping refuses it; give the metric of an
    /// evaluation record too with <see cref="Custom(string, Func{GFlowNetSamplerTransformer, double}, Func{EvaluationRecord, double})"/>.</remarks>
    public static TuningObjective Custom(string name, Func<GFlowNetSamplerTransformer, double> metric)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(metric);
        return new TuningObjective(name, metric, null);
    }

    /// <summary>A metric of the user's own, computed from each trial's fitted sampler and, for early stopping, from each
    /// evaluation record of training (lower is better; NaN fails the trial, and counts as the worst at an evaluation).</summary>
    /// <param name="name">The metric's name (for reports).</param>
    /// <param name="metric">The metric of a fitted sampler.</param>
    /// <param name="evaluationMetric">The same metric of an evaluation during training (it should agree with
    /// <paramref name="metric"/> on the final evaluation).</param>
    public static TuningObjective Custom(string name, Func<GFlowNetSamplerTransformer, double> metric, Func<EvaluationRecord, double> evaluationMetric)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(evaluationMetric);
        return new TuningObjective(name, metric, evaluationMetric);
    }

    /// <summary>Whether the metric can be computed from an evaluation record during training (which early stopping needs):
    /// true for the built-in objectives and for custom ones given an evaluation metric.</summary>
    public bool EvaluatesRecords => _evaluationMetric is not null;

    /// <summary>The metric of <paramref name="model"/>.</summary>
    public double Evaluate(GFlowNetSamplerTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return _metric(model);
    }

    /// <summary>The metric of one evaluation during training (what early stopping compares).</summary>
    /// <exception cref="NotSupportedException">The objective is a custom one without an evaluation metric
    /// (<see cref="EvaluatesRecords"/> is false).</exception>
    public double Evaluate(EvaluationRecord evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        if (_evaluationMetric is null)
            throw new NotSupportedException($"The objective '{Name}' is computed from a fitted sampler only; give TuningObjective.Custom an evaluation metric too for early stopping.");
        return _evaluationMetric(evaluation);
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
