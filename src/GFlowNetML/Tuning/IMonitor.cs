namespace GFlowNetML.Tuning;

/// <summary>
/// Watches an experiment's trials, in the shape of ML.NET AutoML's <c>IMonitor</c>; set with
/// <see cref="GFlowNetExperiment.SetMonitor(IMonitor)"/>.
/// </summary>
/// <remarks>
/// Every call is made on the thread that runs <see cref="GFlowNetExperiment.Run(CancellationToken)"/>, in an order that
/// depends on the seed and the round size only (never on the concurrency or the order trials finish in): before a round's
/// trials start, <see cref="ReportRunningTrial"/> for each of them in trial order; when the round has ended, for each trial
/// in trial order (as its result is told to the tuner), <see cref="ReportCompletedTrial"/> (succeeded or pruned) or
/// <see cref="ReportFailTrial"/> (failed, or cancelled by the time budget or the caller, or never started because the budget
/// ran out), then <see cref="ReportBestTrial"/> when the trial is the new best. A trial read from the experiment's
/// checkpoint on resume is reported completed or failed (and best) but never running. An exception thrown by the monitor
/// ends the run.
/// </remarks>
public interface IMonitor
{
    /// <summary>The trial is about to train (<paramref name="settings"/> holds its point, values and options).</summary>
    void ReportRunningTrial(TrialSettings settings);

    /// <summary>The trial succeeded or was pruned (<see cref="TrialResult.Status"/>).</summary>
    void ReportCompletedTrial(TrialResult result);

    /// <summary>The trial is the best so far: the succeeded trial of lowest loss (the earliest on a tie).</summary>
    void ReportBestTrial(TrialResult result);

    /// <summary>The trial failed or was cancelled; <paramref name="exception"/> is what it threw, or null where the runner
    /// reported the failure in its result (see <see cref="TrialResult.Error"/>) or the trial never started.</summary>
    void ReportFailTrial(TrialSettings settings, Exception? exception = null);
}
