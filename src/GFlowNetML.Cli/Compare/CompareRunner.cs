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

    /// <summary>This run with <paramref name="trueLogZ"/> as the log Z* of every evaluation, so that all the
    /// |log Z − log Z*| of a comparison are taken against one value (the trainer's is its state space's log-sum-exp of
    /// the rewards, which may differ from the environment's closed form in the last bits).</summary>
    public FinishedRun WithTrueLogZ(double trueLogZ) => this with
    {
        Result = Result with
        {
            Final = Result.Final with { TrueLogZ = trueLogZ },
            History = [.. Result.History.Select(h => h with { TrueLogZ = trueLogZ })],
        },
    };
}

/// <summary>Progress of one run.</summary>
/// <param name="Iteration">The iterations done.</param>
/// <param name="ExactTotalVariation">The exact total variation of an evaluation just reported, if any.</param>
internal sealed record RunProgress(long Iteration, double? ExactTotalVariation);

/// <summary>A run of a comparison failed; the others were stopped. The message names the run and the cause in one line.</summary>
internal sealed class CompareRunFailedException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// Runs every (method, seed) pair of a comparison in this process, each with a trainer of its own:
/// <see cref="CompareSettings.Parallel"/> runs at a time, each on a thread of its own with
/// <see cref="CompareSettings.Threads"/> libtorch threads (the trainer sets them on its thread).
/// </summary>
/// <remarks>
/// Trainers on several threads of one process are safe: the native crash that once made this class start a child process
/// per run ("Unknown scalar type" / "Expected false to be true" inside the Adam step) was TorchSharp's finalizable
/// temporaries — implicitly converted Scalars and tensor views — freed by the garbage collector on another thread while a
/// native call still used them; GFlowNetML.Torch now keeps every such object alive across its call (guarded by an IL scan
/// and a four-thread stress test). A run's numbers do not depend on what runs beside it: the same seed gives the same
/// compare.json, bit for bit, at any <see cref="CompareSettings.Parallel"/>.
/// </remarks>
internal sealed class CompareRunner(CompareSettings settings)
{
    /// <summary>The runs in plan order: every seed of the first method, then of the second, and so on.</summary>
    public IReadOnlyList<PlannedRun> Plan { get; } = settings.Methods
        .SelectMany(m => settings.Seeds.Select(s => (Method: m, Seed: s)))
        .Select((p, i) => new PlannedRun(i, p.Method, p.Seed))
        .ToArray();

    /// <summary>Called on the run's thread when a run starts (its trainer is built).</summary>
    public Action<PlannedRun>? Started { get; init; }

    /// <summary>Called on the run's thread after every iteration it trains.</summary>
    public Action<PlannedRun, RunProgress>? Progress { get; init; }

    /// <summary>Called on the run's worker thread when a run has trained all its iterations, with the number finished so
    /// far (after every <see cref="Progress"/> call of that run).</summary>
    public Action<FinishedRun, int>? Finished { get; init; }

    /// <summary>Builds a trainer for every method on a tiny grid, so that a method the trainer rejects (not implemented,
    /// invalid options) is reported before any run starts rather than after hours of the others.</summary>
    public static void EnsureTrainable(CompareSettings settings)
    {
        var tiny = new HyperGrid(1, 2);
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

    /// <summary>Runs the plan. On cancellation every run in progress stops at its next iteration and no new run starts; only
    /// runs that trained all their iterations are returned, in plan order.</summary>
    /// <returns>The finished runs and whether every planned run finished.</returns>
    /// <exception cref="CompareRunFailedException">A run failed; the others were stopped at their next iteration.</exception>
    public (IReadOnlyList<FinishedRun> Runs, bool Completed) Run(CancellationToken cancellationToken)
    {
        if (settings.Cluster is not null) return ClusterComparison.Run(this, settings, cancellationToken);
        var results = new FinishedRun?[Plan.Count];
        int next = -1, finished = 0;
        CompareRunFailedException? failure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        void Work()
        {
            while (!stop.IsCancellationRequested)
            {
                int i = Interlocked.Increment(ref next);
                if (i >= Plan.Count) return;
                FinishedRun? run;
                try { run = RunOne(Plan[i], stop.Token); }
                catch (Exception e)
                {
                    var (line, _) = FailurePolicy.Describe(e);
                    Interlocked.CompareExchange(ref failure, new CompareRunFailedException($"{Plan[i].Method.Name} seed {Plan[i].Seed.ToString(System.Globalization.CultureInfo.InvariantCulture)} failed: {line}", e), null);
                    stop.Cancel(); // the other runs stop at their next iteration
                    return;
                }
                if (run is null) // cancelled: no new run starts
                {
                    stop.Cancel();
                    return;
                }
                results[i] = run;
                Finished?.Invoke(run, Interlocked.Increment(ref finished));
            }
        }

        int workers = Math.Min(settings.Parallel, Plan.Count);
        if (workers <= 1) Work();
        else
        {
            var threads = Enumerable.Range(0, workers)
                .Select(w => new Thread(Work) { Name = $"compare worker {w}", IsBackground = true })
                .ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
        }
        if (failure is not null) throw failure;
        var done = results.OfType<FinishedRun>().ToList();
        return (done, done.Count == Plan.Count);
    }

    private FinishedRun? RunOne(PlannedRun run, CancellationToken cancellationToken)
    {
        var environment = settings.Environment.CreateEnvironment();
        using var trainer = new GFlowNetTrainer(environment, settings.OptionsFor(run.Method, run.Seed));
        Started?.Invoke(run);
        var progress = Progress is { } report
            ? new SynchronousProgress<TrainingProgress>(p => report(run, new RunProgress(p.Iteration,
                p.LatestEvaluation is { } e && e.Iteration == p.Iteration ? e.ExactTotalVariation : null)))
            : null;
        var result = trainer.Train(progress, cancellationToken);
        return result.Completed ? new FinishedRun(run, result) : null;
    }
}
