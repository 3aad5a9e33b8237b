using GFlowNetML.Trainers;

namespace GFlowNetML.Tuning;

/// <summary>How a trial ended.</summary>
public enum TrialStatus
{
    /// <summary>Training completed and the metric was computed.</summary>
    Succeeded,

    /// <summary>The options were rejected, training threw, or the metric threw or was NaN; the metric is +∞.</summary>
    Failed,

    /// <summary>Stopped by the time budget or the caller's cancellation; the metric is +∞.</summary>
    Cancelled,

    /// <summary>Stopped early by the experiment's early-stopping rule (<see cref="EarlyStoppingOptions"/>); the metric is the
    /// objective at its last evaluation and <see cref="TuningTrial.Iterations"/> the iterations it ran.</summary>
    Pruned,
}

/// <summary>One trial of a <see cref="GFlowNetExperiment"/>: a row of the leaderboard.</summary>
public sealed class TuningTrial
{
    internal TuningTrial(int trialId, IReadOnlyList<double> parameter, IReadOnlyDictionary<string, object> values, GFlowNetSamplerOptions? options,
        long seed, double metric, double seconds, TrialStatus status, string? error, long iterations, IReadOnlyList<TrialEvaluation> evaluations)
    {
        Iterations = iterations;
        Evaluations = evaluations;
        TrialId = trialId;
        Parameter = parameter;
        Values = values;
        Options = options;
        Seed = seed;
        Metric = metric;
        Seconds = seconds;
        Status = status;
        Error = error;
    }

    /// <summary>The trial's number, from 0, in the order the tuner proposed it (trials of a round may run at once).</summary>
    public int TrialId { get; }

    /// <summary>The point the tuner proposed (unit coordinates, one per search-space dimension).</summary>
    public IReadOnlyList<double> Parameter { get; }

    /// <summary>The tuned options' values, by option name.</summary>
    public IReadOnlyDictionary<string, object> Values { get; }

    /// <summary>The full options the trial trained with (null only where the point could not be turned into options).</summary>
    public GFlowNetSamplerOptions? Options { get; }

    /// <summary>The training seed of the trial.</summary>
    public long Seed { get; }

    /// <summary>The metric (lower is better); for a pruned trial the objective at its last evaluation; +∞ for a failed or
    /// cancelled trial.</summary>
    public double Metric { get; }

    /// <summary>The trial's wall-clock seconds (training, export and the metric).</summary>
    public double Seconds { get; }

    /// <summary>The trial's wall-clock duration in milliseconds (<see cref="Seconds"/> × 1000), as AutoML's
    /// <c>TrialResult.DurationInMilliseconds</c>.</summary>
    public double DurationInMilliseconds => Seconds * 1000;

    /// <summary>What the tuner was told: the metric for a succeeded trial (or a custom runner's own loss,
    /// <see cref="TrialResult.Loss"/>), +∞ for a pruned, failed or cancelled one.</summary>
    public double Loss { get; internal init; }

    /// <summary>The peak working set of the process while the trial ran, in MiB (see
    /// <see cref="TrialResult.PeakMemoryInMegaByte"/>: resident memory sampled every 100 ms, the process's, so concurrent
    /// trials share it).</summary>
    public double PeakMemoryInMegaByte { get; internal init; }

    /// <summary>Whether the trial evaluated one of the experiment's initial points
    /// (<see cref="GFlowNetExperiment.SetInitialPoints(IReadOnlyDictionary{string, object}[])"/>) rather than a tuner's proposal.</summary>
    public bool IsInitialPoint { get; internal init; }

    /// <summary>Succeeded, pruned, failed or cancelled.</summary>
    public TrialStatus Status { get; }

    /// <summary>The training iterations the trial ran: its budget when it succeeded, fewer when it was pruned, failed or
    /// cancelled.</summary>
    public long Iterations { get; }

    /// <summary>The objective at each evaluation during training, in order (from the first evaluation after the start);
    /// recorded when early stopping is on, empty otherwise.</summary>
    public IReadOnlyList<TrialEvaluation> Evaluations { get; }

    /// <summary>The training budget of the trial: its options' <see cref="GFlowNetSamplerOptions.Iterations"/> (0 where the
    /// options could not be made).</summary>
    public long Budget => Options?.Iterations ?? 0;

    /// <summary>Whether the trial was read from the experiment's checkpoint (<see cref="GFlowNetExperiment.SetCheckpoint"/>)
    /// rather than trained in this run.</summary>
    public bool IsRestored { get; internal init; }

    /// <summary>The error of a failed or cancelled trial (the exception's type and message); null otherwise.</summary>
    public string? Error { get; }

    /// <inheritdoc/>
    public override string ToString()
        => $"trial {TrialId}: {Status switch { TrialStatus.Succeeded => SearchDimension.Format(Metric), TrialStatus.Pruned => $"pruned at {Iterations} ({SearchDimension.Format(Metric)})", _ => Status.ToString().ToLowerInvariant() }} "
           + $"({string.Join(", ", Values.Select(v => $"{v.Key}={SearchDimension.Format(v.Value)}"))})";
}
