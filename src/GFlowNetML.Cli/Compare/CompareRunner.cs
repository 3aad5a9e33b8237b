using System.Runtime.ExceptionServices;
using GFlowNetML.Environments;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Cli.Compare;

/// <summary>One (method, seed) run of a comparison, in the order runs are planned (method by method, seed by seed).</summary>
/// <param name="Index">The position in the plan.</param>
/// <param name="Method">The method.</param>
/// <param name="Seed">The seed.</param>
internal sealed record PlannedRun(int Index, MethodVariant Method, long Seed);

/// <summary>A run that trained all its iterations.</summary>
/// <param name="Run">Which run.</param>
/// <param name="Result">What the trainer returned (its history starts at iteration 0, trajectories 0).</param>
internal sealed record FinishedRun(PlannedRun Run, TrainingResult Result)
{
    /// <summary>Wall-clock seconds of training, exact evaluations included (as <c>train</c> reports them).</summary>
    public double Seconds => Result.Final.Seconds;

    /// <summary>Milliseconds per training iteration: <see cref="Seconds"/> over the iterations.</summary>
    public double MsPerIteration => Result.Final.Iteration > 0 ? 1000 * Result.Final.Seconds / Result.Final.Iteration : double.NaN;
}

/// <summary>
/// Runs every (method, seed) pair of a comparison, each with a trainer of its own, one after another or
/// <see cref="CompareSettings.Parallel"/> at a time on .NET threads of this process. TorchSharp's dispose scopes and
/// grad mode are per thread and each trainer owns its networks, optimizers and random generator, so a run's numbers do
/// not depend on what runs beside it.
/// </summary>
internal sealed class CompareRunner(CompareSettings settings)
{
    /// <summary>The runs in plan order: every seed of the first method, then of the second, and so on.</summary>
    public IReadOnlyList<PlannedRun> Plan { get; } = settings.Methods
        .SelectMany(m => settings.Seeds.Select(s => (Method: m, Seed: s)))
        .Select((p, i) => new PlannedRun(i, p.Method, p.Seed))
        .ToArray();

    /// <summary>Called on the run's thread when its trainer is built and training starts.</summary>
    public Action<PlannedRun>? Started { get; init; }

    /// <summary>Called on the run's thread after every iteration.</summary>
    public Action<PlannedRun, TrainingProgress>? Progress { get; init; }

    /// <summary>Called on the run's thread when a run has trained all its iterations, with the number finished so far.</summary>
    public Action<FinishedRun, int>? Finished { get; init; }

    /// <summary>Builds a trainer for every method on a tiny grid, so that a method the trainer rejects (not implemented,
    /// invalid options) is reported before any run starts rather than after hours of the others.</summary>
    public static void EnsureTrainable(CompareSettings settings)
    {
        var tiny = new HyperGrid(1, 2, settings.Environment.R0, settings.Environment.R1, settings.Environment.R2);
        foreach (var method in settings.Methods)
        {
            var options = settings.OptionsFor(method, seed: 0);
            options.PolicyHiddenLayers = options.CriticHiddenLayers = 0;
            try { using var _ = new GFlowNetTrainer(tiny, options); }
            catch (Exception e) when (e is NotImplementedException or NotSupportedException or ArgumentException)
            {
                throw new UsageException($"--methods names {method.Name}, which cannot be trained: {e.Message}");
            }
        }
    }

    /// <summary>Runs the plan. On cancellation every run in progress stops at its next iteration and no new run
    /// starts; only runs that trained all their iterations are returned, in plan order.</summary>
    /// <returns>The finished runs and whether every planned run finished.</returns>
    public (IReadOnlyList<FinishedRun> Runs, bool Completed) Run(CancellationToken cancellationToken)
    {
        var results = new FinishedRun?[Plan.Count];
        int next = -1, finished = 0;
        ExceptionDispatchInfo? failure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        void Work()
        {
            // libtorch keeps its intra-op (OpenMP) thread count per thread: set it on every worker.
            TorchSharp.torch.set_num_threads(settings.Threads);
            while (!stop.IsCancellationRequested)
            {
                int i = Interlocked.Increment(ref next);
                if (i >= Plan.Count) return;
                try
                {
                    var run = RunOne(Plan[i], stop.Token);
                    if (run is null) return; // cancelled mid-run
                    results[i] = run;
                    Finished?.Invoke(run, Interlocked.Increment(ref finished));
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
                    stop.Cancel(); // the other workers stop at their next iteration
                    return;
                }
            }
        }

        int workers = Math.Min(settings.Parallel, Plan.Count);
        if (workers <= 1) Work();
        else
        {
            var threads = Enumerable.Range(0, workers)
                .Select(w => new Thread(Work, maxStackSize: 16 << 20) { Name = $"compare worker {w}", IsBackground = true })
                .ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
        }
        failure?.Throw();
        var done = results.OfType<FinishedRun>().ToList();
        return (done, done.Count == Plan.Count);
    }

    private FinishedRun? RunOne(PlannedRun run, CancellationToken cancellationToken)
    {
        var environment = settings.Environment.CreateEnvironment();
        using var trainer = new GFlowNetTrainer(environment, settings.OptionsFor(run.Method, run.Seed));
        Started?.Invoke(run);
        var progress = Progress is { } report ? new SyncProgress(p => report(run, p)) : null;
        var result = trainer.Train(progress, cancellationToken);
        return result.Completed ? new FinishedRun(run, result) : null;
    }

    /// <summary>An <see cref="IProgress{T}"/> that calls back on the training thread (no synchronisation context).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
