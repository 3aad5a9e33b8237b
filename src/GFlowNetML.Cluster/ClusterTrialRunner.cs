using System.Globalization;
using GFlowNetML.Environments;
using GFlowNetML.Tuning;

namespace GFlowNetML.Cluster;

/// <summary>
/// A tuning trial runner (<see cref="ITrialRunner"/>) that trains each trial as a run on a cluster: set it with
/// <see cref="GFlowNetExperiment.SetTrialRunner(ITrialRunner)"/>, and up to
/// <see cref="GFlowNetExperiment.MaxConcurrentTrials"/> trials train at once on the silos. Each trial's metric is the
/// experiment objective's metric of the run's final evaluation, the same number as the default runner's, bit for bit.
/// </summary>
/// <remarks>
/// With early stopping on, the silo trains the trial's whole budget and the experiment's rule is applied to the run's
/// evaluations afterwards: the trial is recorded as pruned at the same evaluation, with the same metric and iterations, as
/// in one process (the trial records and the search do not change), but the iterations after that point are not saved.
/// The trial's fitted sampler (<see cref="TrialResult.Model"/>) is not made; <see cref="TuningResult.BestModel"/> is then
/// null. The objective must compute from evaluation records (<see cref="TuningObjective.EvaluatesRecords"/>), as the
/// built-in ones do.
/// </remarks>
public sealed class ClusterTrialRunner : ITrialRunner
{
    private readonly GFlowNetCluster _cluster;
    private readonly GFlowNetEnvironment _environment;
    private readonly TuningObjective _objective;
    private readonly int _checkpointEvery;

    /// <summary>A runner that trains on <paramref name="cluster"/> (which the caller keeps and disposes).</summary>
    /// <param name="cluster">The connected cluster.</param>
    /// <param name="environment">The experiment's environment (a built-in one: silos recreate it by name and parameters).</param>
    /// <param name="objective">The experiment's objective (<see cref="GFlowNetExperiment.Objective"/>).</param>
    /// <param name="checkpointEvery">Every how many iterations a trial is checkpointed into the cluster's storage.</param>
    /// <exception cref="ArgumentException">The objective does not compute from evaluation records.</exception>
    public ClusterTrialRunner(GFlowNetCluster cluster, GFlowNetEnvironment environment, TuningObjective objective, int checkpointEvery = RunSpec.DefaultCheckpointEvery)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentOutOfRangeException.ThrowIfLessThan(checkpointEvery, 1);
        if (!objective.EvaluatesRecords)
            throw new ArgumentException($"The objective '{objective.Name}' is computed from a fitted sampler only; a cluster trial needs one that computes from evaluation records (the built-in objectives do).", nameof(objective));
        _cluster = cluster;
        _environment = environment;
        _objective = objective;
        _checkpointEvery = checkpointEvery;
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The settings carry no options.</exception>
    /// <exception cref="ClusterUnreachableException">No silo answered for the cluster's wait timeout.</exception>
    public async Task<TrialResult> RunAsync(TrialSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Options is null) throw new ArgumentException("The trial's settings carry no options to train.", nameof(settings));
        var options = settings.Options.ToTrainerOptions(settings.Options.Seed ?? 0);
        var spec = RunSpec.Create(string.Create(CultureInfo.InvariantCulture, $"trial {settings.TrialId}"), _environment, options, _checkpointEvery);
        TrialResult Result(double loss, double metric, TrialStatus status, long iterations, TrialEvaluation[] evaluations, string? error = null)
            => new(settings, settings.Parameter, loss, 0) { Metric = metric, Status = status, Error = error, Iterations = iterations, Evaluations = evaluations };
        ClusterRunResult run;
        try
        {
            run = (await _cluster.RunAsync([spec], null, cancellationToken).ConfigureAwait(false))[0];
        }
        catch (ClusterRunFailedException e)
        {
            return Result(double.PositiveInfinity, double.PositiveInfinity, TrialStatus.Failed, 0, [], e.Message);
        }
        var history = run.Result.History;
        if (settings.Stopper is { } stopper)
        {
            // The default runner judges each evaluation reported after an iteration (not the one at iteration 0).
            var curve = new List<TrialEvaluation>();
            foreach (var e in history.Where(e => e.Iteration > 0))
            {
                curve.Add(new TrialEvaluation(e.Iteration, _objective.Evaluate(e), e.Seconds));
                if (e.Iteration < options.Iterations && stopper.ShouldStop(curve, options.Iterations))
                    return Result(double.PositiveInfinity, curve[^1].Metric, TrialStatus.Pruned, e.Iteration, [.. curve]);
            }
            return Finish([.. curve]);
        }
        return Finish([]);

        TrialResult Finish(TrialEvaluation[] evaluations)
        {
            double metric;
            try { metric = _objective.Evaluate(run.Result.Final); }
            catch (InvalidOperationException e)
            {
                return Result(double.PositiveInfinity, double.PositiveInfinity, TrialStatus.Failed, run.Result.Final.Iteration, evaluations, $"{e.GetType().Name}: {e.Message}");
            }
            if (double.IsNaN(metric))
                return Result(double.PositiveInfinity, double.PositiveInfinity, TrialStatus.Failed, run.Result.Final.Iteration, evaluations, $"The metric {_objective.Name} is NaN.");
            return Result(metric, metric, TrialStatus.Succeeded, run.Result.Final.Iteration, evaluations);
        }
    }

    /// <summary>Nothing to release: the cluster is the caller's.</summary>
    public void Dispose()
    {
    }
}
