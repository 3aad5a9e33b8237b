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

/// <summary>
/// Runs every (method, seed) pair of a comparison. With <see cref="CompareSettings.Parallel"/> 1 the runs train one after
/// another in this process, each with a trainer of its own. With more, <see cref="CompareSettings.Parallel"/> runs at a
/// time each train in a child process of their own (<see cref="TrainProcess"/>: <c>dotnet gflownet.dll train …</c> into
/// <c>DIR/runs/&lt;variant&gt;-seed&lt;k&gt;</c>), whose metrics.json is read back.
/// </summary>
/// <remarks>
/// Why processes and not threads: TorchSharp does not document concurrent training on several threads of one process
/// as safe, and it was not — two trainers on two threads of one process died in a native libtorch error ("Unknown scalar
/// type" inside a scalar division of the Adam step) in a long run with paper-sized networks. A child process shares no
/// TorchSharp or libtorch state with the others (dispose scopes, scalar handles, OpenMP pools), so a run's numbers are
/// those of <c>train</c> alone, bit for bit; each child also gets its own libtorch thread pool (<c>--threads</c>), so
/// the runs use the cores in parallel for real, and a child that fails ends the comparison with one line naming it
/// instead of taking the whole process down. The cost is a start of the .NET runtime and libtorch per run (a fraction
/// of a second).
/// </remarks>
internal sealed class CompareRunner(CompareSettings settings)
{
    /// <summary>The runs in plan order: every seed of the first method, then of the second, and so on.</summary>
    public IReadOnlyList<PlannedRun> Plan { get; } = settings.Methods
        .SelectMany(m => settings.Seeds.Select(s => (Method: m, Seed: s)))
        .Select((p, i) => new PlannedRun(i, p.Method, p.Seed))
        .ToArray();

    /// <summary>Called when a run starts (its trainer is built, or its child process is about to start).</summary>
    public Action<PlannedRun>? Started { get; init; }

    /// <summary>Called as a run trains: in this process after every iteration; from a child process for each of its
    /// progress lines (every tenth of the iterations), on a thread that reads the child's output.</summary>
    public Action<PlannedRun, RunProgress>? Progress { get; init; }

    /// <summary>Called on the run's worker thread when a run has trained all its iterations, with the number finished so
    /// far (after every <see cref="Progress"/> call of that run).</summary>
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

    /// <summary>Runs the plan. On cancellation every run in progress stops (in this process at its next iteration; a
    /// child process is killed with its descendants) and no new run starts; only runs that trained all their iterations
    /// are returned, in plan order. A child interrupted by a signal of its own (exit code 130) stops the comparison the
    /// same way.</summary>
    /// <returns>The finished runs and whether every planned run finished.</returns>
    /// <exception cref="CompareRunFailedException">A child process failed; the other children were killed.</exception>
    public (IReadOnlyList<FinishedRun> Runs, bool Completed) Run(CancellationToken cancellationToken)
    {
        var results = new FinishedRun?[Plan.Count];
        int next = -1, finished = 0;
        ExceptionDispatchInfo? failure = null;
        bool inChildProcesses = settings.Parallel > 1;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        void Work()
        {
            while (!stop.IsCancellationRequested)
            {
                int i = Interlocked.Increment(ref next);
                if (i >= Plan.Count) return;
                try
                {
                    var run = inChildProcesses
                        ? TrainProcess.Run(settings, Plan[i], Started, Progress, stop.Token)
                        : RunInThisProcess(Plan[i], stop.Token);
                    if (run is null) // cancelled, or a child was interrupted: no new run starts
                    {
                        stop.Cancel();
                        return;
                    }
                    results[i] = run;
                    Finished?.Invoke(run, Interlocked.Increment(ref finished));
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
                    stop.Cancel(); // the other workers stop: in-process runs at their next iteration, children are killed
                    return;
                }
            }
        }

        int workers = Math.Min(settings.Parallel, Plan.Count);
        if (!inChildProcesses) TorchSharp.torch.set_num_threads(settings.Threads); // libtorch keeps it per thread
        if (workers <= 1) Work();
        else
        {
            // The workers only start child processes and wait for them.
            var threads = Enumerable.Range(0, workers)
                .Select(w => new Thread(Work) { Name = $"compare worker {w}", IsBackground = true })
                .ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
        }
        failure?.Throw();
        var done = results.OfType<FinishedRun>().ToList();
        return (done, done.Count == Plan.Count);
    }

    private FinishedRun? RunInThisProcess(PlannedRun run, CancellationToken cancellationToken)
    {
        var environment = settings.Environment.CreateEnvironment();
        using var trainer = new GFlowNetTrainer(environment, settings.OptionsFor(run.Method, run.Seed));
        Started?.Invoke(run);
        var progress = Progress is { } report
            ? new SyncProgress<TrainingProgress>(p => report(run, new RunProgress(p.Iteration,
                p.LatestEvaluation is { } e && e.Iteration == p.Iteration ? e.ExactTotalVariation : null)))
            : null;
        var result = trainer.Train(progress, cancellationToken);
        return result.Completed ? new FinishedRun(run, result) : null;
    }
}
