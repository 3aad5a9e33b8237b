namespace GFlowNetML.Tuning;

/// <summary>The outcome of <see cref="GFlowNetExperiment.Run(CancellationToken)"/>: the best trial and its fitted sampler,
/// and every trial.</summary>
public sealed class TuningResult
{
    private readonly Lazy<GFlowNetSamplerTransformer?> _bestModel;

    internal TuningResult(string objective, IReadOnlyList<TuningTrial> trials, TuningTrial? bestTrial, Lazy<GFlowNetSamplerTransformer?> bestModel,
        double seconds, string stopReason)
    {
        _bestModel = bestModel;
        Objective = objective;
        Trials = trials;
        Leaderboard = trials.OrderBy(t => t.Status switch { TrialStatus.Succeeded => 0, TrialStatus.Pruned => 1, _ => 2 })
            .ThenBy(t => t.Status == TrialStatus.Succeeded ? t.Loss : double.IsNaN(t.Metric) ? double.PositiveInfinity : t.Metric).ThenBy(t => t.TrialId).ToArray();
        BestTrial = bestTrial;
        Seconds = seconds;
        StopReason = stopReason;
    }

    /// <summary>The name of the metric that was minimised.</summary>
    public string Objective { get; }

    /// <summary>Every trial, in the order they ran.</summary>
    public IReadOnlyList<TuningTrial> Trials { get; }

    /// <summary>Every trial: the succeeded ones, lowest loss (the metric, for the default runner) first, then the pruned ones by their last metric (NaN last), then
    /// the failed and cancelled ones (ties in trial order).</summary>
    public IReadOnlyList<TuningTrial> Leaderboard { get; }

    /// <summary>The succeeded trial with the lowest loss — the metric, for the default runner — (the earliest on a tie), or null when none succeeded.</summary>
    public TuningTrial? BestTrial { get; }

    /// <summary>The sampler fitted in <see cref="BestTrial"/>, or null when none succeeded. When the best trial was read from
    /// the experiment's checkpoint (<see cref="TuningTrial.IsRestored"/>) it is trained again from its options and seed the
    /// first time this is read.</summary>
    public GFlowNetSamplerTransformer? BestModel => _bestModel.Value;

    /// <summary>The experiment's wall-clock seconds.</summary>
    public double Seconds { get; }

    /// <summary>The training iterations all trials ran together.</summary>
    public long IterationsRun => Trials.Sum(t => t.Iterations);

    /// <summary>The training iterations early stopping saved: the budget the pruned trials did not train.</summary>
    public long IterationsSaved => Trials.Where(t => t.Status == TrialStatus.Pruned).Sum(t => Math.Max(0, t.Budget - t.Iterations));

    /// <summary>The training seconds early stopping saved, estimated from each pruned trial's own pace (its training seconds
    /// per iteration at its last evaluation) times the iterations it did not train.</summary>
    public double SecondsSaved => Trials.Where(t => t.Status == TrialStatus.Pruned && t.Evaluations.Count > 0 && t.Iterations > 0)
        .Sum(t => t.Evaluations[^1].Seconds / t.Evaluations[^1].Iteration * Math.Max(0, t.Budget - t.Iterations));

    /// <summary>The number of pruned trials.</summary>
    public int PrunedTrials => Trials.Count(t => t.Status == TrialStatus.Pruned);

    /// <summary>Why the experiment stopped: "trial budget", "time budget", "cancelled" or "grid exhausted".</summary>
    public string StopReason { get; }
}
