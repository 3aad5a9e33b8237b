using GFlowNetML.Torch.Training;
using GFlowNetML.Trainers;
using Microsoft.ML;

namespace GFlowNetML.Tuning;

/// <summary>
/// Runs one trial of an experiment, in the shape of ML.NET AutoML's <c>ITrialRunner</c>: given the trial's settings (its
/// point, option values and full options), train and return the result. The default is <see cref="GFlowNetTrialRunner"/>,
/// the trainer's <c>Fit</c>; a runner of the user's own is set with <see cref="GFlowNetExperiment.SetTrialRunner(ITrialRunner)"/>.
/// </summary>
/// <remarks>
/// <para>The experiment calls <see cref="RunAsync"/> from up to <see cref="GFlowNetExperiment.MaxConcurrentTrials"/> threads
/// at once, so a runner must be safe for that when it is above 1. It measures the trial's duration and peak memory itself
/// (<see cref="TrialResult.Seconds"/> and <see cref="TrialResult.PeakMemoryInMegaByte"/> of the returned result are
/// replaced), tells the tuner the result's <see cref="TrialResult.Loss"/> (+∞ unless it succeeded), and records a runner that
/// throws as a failed trial with the exception's message; the search goes on.</para>
/// <para>The token is cancelled when the time budget is spent or the caller cancels: the runner should stop and throw
/// <see cref="OperationCanceledException"/>, and the trial is then recorded as cancelled (and re-run on resume). A result
/// with the status <see cref="TrialStatus.Cancelled"/> while the token is not cancelled fails the trial instead.</para>
/// <para>The experiment never disposes a runner it was given (the caller owns it).</para>
/// </remarks>
public interface ITrialRunner : IDisposable
{
    /// <summary>Runs the trial of <paramref name="settings"/>.</summary>
    /// <param name="settings">The trial: its id, point (<see cref="TrialSettings.Parameter"/>), values and options.</param>
    /// <param name="cancellationToken">Cancelled by the time budget or the caller.</param>
    /// <returns>The trial's result: at least its <see cref="TrialResult.Loss"/> (lower is better).</returns>
    Task<TrialResult> RunAsync(TrialSettings settings, CancellationToken cancellationToken);
}

/// <summary>
/// The default trial runner of a <see cref="GFlowNetExperiment"/>: fits the trainer's estimator with the trial's options on
/// the experiment's data, in a context of the trial's own, and computes the experiment's objective on the fitted sampler
/// (the result's <see cref="TrialResult.Metric"/> and <see cref="TrialResult.Loss"/>). With early stopping on, it computes
/// the objective at every evaluation of training and stops the fit when the experiment's rule says so (a
/// <see cref="TrialStatus.Pruned"/> result with the iterations run and the last evaluation's metric). A fit that throws —
/// a <see cref="TrainingDivergedException"/>, say — or a NaN metric gives a <see cref="TrialStatus.Failed"/> result with
/// the error and the iterations run. Get it from <see cref="GFlowNetExperiment.DefaultTrialRunner"/>, e.g. to wrap it in a
/// runner of one's own.
/// </summary>
public sealed class GFlowNetTrialRunner : ITrialRunner
{
    private readonly GFlowNetExperiment _experiment;

    internal GFlowNetTrialRunner(GFlowNetExperiment experiment) => _experiment = experiment;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The settings carry no options (<see cref="TrialSettings.Options"/> is null).</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public Task<TrialResult> RunAsync(TrialSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Options is null) throw new ArgumentException("The trial's settings carry no options to fit.", nameof(settings));
        return Task.FromResult(Run(settings, cancellationToken));
    }

    private TrialResult Run(TrialSettings settings, CancellationToken token)
    {
        var options = settings.Options!;
        var objective = _experiment.Objective;
        var stopper = settings.Stopper;
        var evaluations = new List<TrialEvaluation>();
        long iterations = 0;
        bool pruned = false;
        using var prune = CancellationTokenSource.CreateLinkedTokenSource(token);
        TrialResult Result(double loss, double metric, TrialStatus status, string? error = null, Exception? exception = null, GFlowNetSamplerTransformer? model = null)
            => new(settings, settings.Parameter, loss, 0)
            {
                Metric = metric, Status = status, Error = error, Exception = exception, Iterations = iterations, Evaluations = evaluations.ToArray(), Model = model,
            };
        try
        {
            long budget = options.Iterations;
            var watch = new SynchronousProgress<TrainingProgress>(p =>
            {
                iterations = p.Iteration;
                if (stopper is null || pruned || p.LatestEvaluation is not { } e || e.Iteration != p.Iteration) return;
                evaluations.Add(new TrialEvaluation(e.Iteration, objective.Evaluate(e), e.Seconds));
                if (stopper.ShouldStop(evaluations, budget))
                {
                    pruned = true;
                    prune.Cancel(); // the trainer stops before the next iteration
                }
            });
            var model = new GFlowNetSamplerEstimator(_experiment.TrialContext(settings.TrialId), options).Fit(_experiment.Data, watch, prune.Token);
            double metric = objective.Evaluate(model);
            if (double.IsNaN(metric))
                return Result(double.PositiveInfinity, double.PositiveInfinity, TrialStatus.Failed, $"The metric {objective.Name} is NaN.");
            return Result(metric, metric, TrialStatus.Succeeded, model: model);
        }
        catch (OperationCanceledException) when (pruned)
        {
            return Result(double.PositiveInfinity, evaluations[^1].Metric, TrialStatus.Pruned);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            if (e is TrainingDivergedException d) iterations = Math.Max(iterations, d.Iteration);
            return Result(double.PositiveInfinity, double.PositiveInfinity, TrialStatus.Failed, GFlowNetExperiment.ErrorText(e), e);
        }
    }

    /// <summary>Nothing to release: the runner holds no resources of its own.</summary>
    public void Dispose()
    {
    }
}
