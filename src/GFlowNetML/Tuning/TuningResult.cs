namespace GFlowNetML.Tuning;

/// <summary>The outcome of <see cref="GFlowNetExperiment.Run(CancellationToken)"/>: the best trial and its fitted sampler,
/// and every trial.</summary>
public sealed class TuningResult
{
    internal TuningResult(string objective, IReadOnlyList<TuningTrial> trials, TuningTrial? bestTrial, GFlowNetSamplerTransformer? bestModel,
        double seconds, string stopReason)
    {
        Objective = objective;
        Trials = trials;
        Leaderboard = trials.OrderBy(t => t.Metric).ThenBy(t => t.TrialId).ToArray();
        BestTrial = bestTrial;
        BestModel = bestModel;
        Seconds = seconds;
        StopReason = stopReason;
    }

    /// <summary>The name of the metric that was minimised.</summary>
    public string Objective { get; }

    /// <summary>Every trial, in the order they ran.</summary>
    public IReadOnlyList<TuningTrial> Trials { get; }

    /// <summary>Every trial, lowest metric first (failed and cancelled trials, at +∞, last; ties in trial order).</summary>
    public IReadOnlyList<TuningTrial> Leaderboard { get; }

    /// <summary>The succeeded trial with the lowest metric (the earliest on a tie), or null when none succeeded.</summary>
    public TuningTrial? BestTrial { get; }

    /// <summary>The sampler fitted in <see cref="BestTrial"/>, or null when none succeeded.</summary>
    public GFlowNetSamplerTransformer? BestModel { get; }

    /// <summary>The experiment's wall-clock seconds.</summary>
    public double Seconds { get; }

    /// <summary>Why the experiment stopped: "trial budget", "time budget", "cancelled" or "grid exhausted".</summary>
    public string StopReason { get; }
}
