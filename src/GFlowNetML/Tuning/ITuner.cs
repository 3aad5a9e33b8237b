using GFlowNetML.Trainers;

namespace GFlowNetML.Tuning;

/// <summary>
/// A tuner in ML.NET's AutoML shape: the experiment asks it for a point of the search space for each trial
/// (<see cref="Propose"/>) and tells it how the trial went (<see cref="Update"/>). A point is a vector of unit coordinates,
/// one per dimension of the <see cref="SearchSpace"/> the tuner was made for; lower loss is better.
/// </summary>
public interface ITuner
{
    /// <summary>The point to try in trial <see cref="TrialSettings.TrialId"/>: one coordinate in [0, 1] per dimension.</summary>
    double[] Propose(TrialSettings settings);

    /// <summary>The outcome of a proposed point; a failed or pruned trial has loss +∞. The experiment tells every trial's
    /// result, in trial order, including those of initial points (<see cref="GFlowNetExperiment.SetInitialPoints(IReadOnlyDictionary{string, object}[])"/>)
    /// that the tuner did not propose.</summary>
    void Update(TrialResult result);
}

/// <summary>A trial, as a tuner, a trial runner (<see cref="ITrialRunner"/>) and a monitor (<see cref="IMonitor"/>) see it,
/// in the shape of ML.NET AutoML's <c>TrialSettings</c>. The tuner is given the id only; the runner and the monitor also
/// the point, its option values and the options the trial trains with.</summary>
/// <param name="TrialId">The trial's number, from 0.</param>
public sealed record TrialSettings(int TrialId)
{
    /// <summary>The point of the trial (unit coordinates, one per search-space dimension); empty until the point is known
    /// (when the tuner is asked to propose it).</summary>
    public IReadOnlyList<double> Parameter { get; init; } = [];

    /// <summary>The tuned options' values at <see cref="Parameter"/>, by option name; empty until the point is known.</summary>
    public IReadOnlyDictionary<string, object> Values { get; init; } = new Dictionary<string, object>();

    /// <summary>The full options the trial trains with (the base options with the tuned ones set and the training seed
    /// fixed); null until the point is known. A runner may change its own copy.</summary>
    public GFlowNetSamplerOptions? Options { get; init; }

    /// <summary>When the trial started (UTC), in the settings of its result; null before it starts and for a trial read
    /// from the experiment's checkpoint.</summary>
    public DateTime? StartedAtUtc { get; init; }

    /// <summary>When the trial ended (UTC), in the settings of its result; null before it ends and for a trial read from
    /// the experiment's checkpoint.</summary>
    public DateTime? EndedAtUtc { get; init; }

    /// <summary>The early-stopping judge of the trial's round, read by the default runner (null when early stopping is off).</summary>
    internal EarlyStopper? Stopper { get; init; }
}

/// <summary>The outcome of a trial, in the shape of ML.NET AutoML's <c>TrialResult</c>: what a trial runner
/// (<see cref="ITrialRunner"/>) returns, what the tuner is told (<see cref="ITuner.Update"/>) and what a monitor
/// (<see cref="IMonitor"/>) is shown. Only <see cref="Loss"/> (and, for a pruned or failed trial, <see cref="Status"/>)
/// drives the search; the rest is the record of the trial.</summary>
/// <param name="Settings">The trial.</param>
/// <param name="Parameter">The point that was tried (unit coordinates).</param>
/// <param name="Loss">The value the tuner minimises; +∞ for a failed or pruned trial.</param>
/// <param name="Seconds">The trial's wall-clock seconds (measured by the experiment, which replaces a runner's value).</param>
public sealed record TrialResult(TrialSettings Settings, IReadOnlyList<double> Parameter, double Loss, double Seconds)
{
    private readonly double? _metric;

    /// <summary>The trial's metric (lower is better): the experiment's objective for the default runner. Defaults to
    /// <see cref="Loss"/> when a runner sets none; for a pruned trial the objective at its last evaluation, for a failed or
    /// cancelled one +∞.</summary>
    public double Metric
    {
        get => _metric ?? Loss;
        init => _metric = value;
    }

    /// <summary>How the trial ended. Default <see cref="TrialStatus.Succeeded"/>; a runner returns
    /// <see cref="TrialStatus.Failed"/> (with <see cref="Error"/>) or <see cref="TrialStatus.Pruned"/> for a trial it ended
    /// itself, or throws, which fails the trial with the exception's message.</summary>
    public TrialStatus Status { get; init; } = TrialStatus.Succeeded;

    /// <summary>The training iterations the trial ran.</summary>
    public long Iterations { get; init; }

    /// <summary>The error of a failed or cancelled trial (the exception's type and message); null otherwise.</summary>
    public string? Error { get; init; }

    /// <summary>The exception that failed the trial, where one was thrown; null otherwise.</summary>
    public Exception? Exception { get; init; }

    /// <summary>The fitted sampler, where the runner made one (the default runner does for a succeeded trial); the
    /// experiment keeps the best trial's as <see cref="TuningResult.BestModel"/>.</summary>
    public GFlowNetSamplerTransformer? Model { get; init; }

    /// <summary>The objective at the trial's evaluations during training, which early stopping compares later trials
    /// against (the default runner records them when early stopping is on).</summary>
    public IReadOnlyList<TrialEvaluation> Evaluations { get; init; } = [];

    /// <summary>The trial's wall-clock duration in milliseconds (<see cref="Seconds"/> × 1000), as AutoML reports it.</summary>
    public double DurationInMilliseconds => Seconds * 1000;

    /// <summary>The peak working set of the process while the trial ran, in MiB (2^20 bytes), measured by the experiment
    /// around the runner: the largest of <see cref="Environment.WorkingSet"/> (resident memory, so torch's native tensors
    /// count too) at the trial's start, every 100 ms, and at its end. It is the process's, as AutoML's
    /// <c>PeakMemoryInMegaByte</c> is: with concurrent trials it includes theirs. 0 for a trial read from a state file that
    /// did not record it.</summary>
    public double PeakMemoryInMegaByte { get; init; }
}
