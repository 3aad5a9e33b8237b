using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using GFlowNetML.Torch.Training;
using GFlowNetML.Trainers;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace GFlowNetML.Tuning;

/// <summary>
/// A hyperparameter search over a GFlowNet trainer's options, in the shape of ML.NET's <c>AutoMLExperiment</c>: configure it
/// with the <c>Set…</c> methods, then <see cref="Run(CancellationToken)"/> runs trials, each fitting the trainer with the
/// options at the tuner's proposed point, until the trial budget or the time budget is spent or the caller cancels. A
/// trial that throws gets the metric +∞ and the search goes on. Made by
/// <c>mlContext.GFlowNet().Tuning.CreateExperiment(options)</c>.
/// </summary>
/// <remarks>
/// <para>Every trial trains with the same seed (the base options' <see cref="GFlowNetSamplerOptions.Seed"/>, or one derived
/// from the experiment's seed), so trials differ only in their options (common random numbers).</para>
/// <para>Trials are proposed in rounds of <see cref="TrialsPerRound"/>: the tuner proposes every trial of a round before it
/// hears of any of them, and is told their results in trial order when the round has ended. Up to
/// <see cref="MaxConcurrentTrials"/> trials of a round train at once, each on a thread of its own (with its own
/// <c>MLContext</c> and the base options' torch <see cref="GFlowNetSamplerOptions.Threads"/>). So the trials, their
/// metrics and the best options depend on the seed and the round size only — never on the concurrency, the machine's core
/// count or the order in which trials finish. With one trial per round (the default) the tuner hears of each trial before
/// it proposes the next, as a sequential search does; more trials per round let concurrent trials fill the cores, at the
/// price of proposals that know less (the cost-frugal tuner then proposes a round's points from the same incumbent,
/// stepping in independent random directions).</para>
/// <para>With early stopping (<see cref="SetEarlyStopping(EarlyStoppingOptions)"/>) a trial is judged at its evaluations
/// against the trials of earlier rounds only, so the decisions keep that independence (see
/// <see cref="EarlyStoppingOptions"/>).</para>
/// <para>With a checkpoint folder (<see cref="SetCheckpoint(string)"/>) the experiment writes its state there after every
/// finished trial, atomically, and a later <see cref="Run(CancellationToken)"/> of the same experiment — after a crash or a
/// kill — replays the finished trials through a fresh tuner (proposals are a deterministic function of the seed and the
/// results told) instead of training them again, re-runs the trials that had not finished, and ends with the same trials
/// and metrics as an uninterrupted run.</para>
/// <para>In ML.NET AutoML's shape: initial points (<see cref="SetInitialPoints(IReadOnlyDictionary{string, object}[])"/>, FLAML's
/// <c>points_to_evaluate</c>) are the first trials and the cost-frugal tuner starts from the best of them; a monitor
/// (<see cref="SetMonitor(IMonitor)"/>, <see cref="IMonitor"/>) is told of every trial in trial order; each trial runs in an
/// <see cref="ITrialRunner"/>, by default <see cref="DefaultTrialRunner"/> (the trainer's fit), or one of the user's own
/// (<see cref="SetTrialRunner(ITrialRunner)"/>); and every trial is recorded with its id, values, metric, loss, status,
/// iterations, duration and peak memory (<see cref="TuningTrial"/>).</para>
/// </remarks>
public sealed class GFlowNetExperiment
{
    private readonly MLContext _mlContext;
    private Func<SearchSpace, int, ITuner> _tunerFactory = (space, seed) => new CostFrugalTuner(space, seed);
    private ITuner? _tuner;
    private IDataView? _data;
    private IReadOnlyList<IReadOnlyDictionary<string, object>> _initialPoints = [];

    internal GFlowNetExperiment(MLContext mlContext, GFlowNetSamplerOptions baseOptions)
    {
        _mlContext = mlContext;
        DefaultTrialRunner = new GFlowNetTrialRunner(this);
        TrialRunner = DefaultTrialRunner;
        BaseOptions = baseOptions;
        SearchSpace = new SearchSpace(baseOptions.GetType(), [nameof(GFlowNetSamplerOptions.Iterations)]);
        Seed = ((IHostEnvironment)mlContext).Register("GFlowNet.Tuning").Rand.Next();
    }

    /// <summary>The options every trial starts from (task, budget, columns); the tuned options are overwritten per trial.</summary>
    public GFlowNetSamplerOptions BaseOptions { get; }

    /// <summary>The options being tuned. Default: every attributed option of the base options' type except
    /// <see cref="GFlowNetSamplerOptions.Iterations"/> (the training budget is the base options').</summary>
    public SearchSpace SearchSpace { get; private set; }

    /// <summary>The objective to minimise. Default <see cref="TuningObjective.Default"/>.</summary>
    public TuningObjective Objective { get; private set; } = TuningObjective.Default;

    /// <summary>The most trials to run. Default 10.</summary>
    public int MaxTrials { get; private set; } = 10;

    /// <summary>The number of trials the tuner proposes together (see the remarks). Default 1.</summary>
    public int TrialsPerRound { get; private set; } = 1;

    /// <summary>The most trials that train at once (never more than <see cref="TrialsPerRound"/>). Default 1.</summary>
    public int MaxConcurrentTrials { get; private set; } = 1;

    /// <summary>The time budget in seconds (a trial still running when it ends is cancelled). Default unlimited.</summary>
    public double MaxSeconds { get; private set; } = double.PositiveInfinity;

    /// <summary>The early-stopping rule and its settings. Default <see cref="EarlyStoppingOptions.None"/>: every trial trains
    /// to its budget.</summary>
    public EarlyStoppingOptions EarlyStopping { get; private set; } = EarlyStoppingOptions.None;

    /// <summary>The folder the experiment's state is written to and resumed from, or null (the default) for none.</summary>
    public string? CheckpointFolder { get; private set; }

    /// <summary>The experiment's seed: the tuner's seed and, unless the base options fix one, the source of the trials'
    /// training seed. Default drawn from the <c>MLContext</c>'s seed.</summary>
    public int Seed { get; private set; }

    /// <summary>Tunes the options of <paramref name="searchSpace"/> (read from the base options' type or a base class).</summary>
    /// <exception cref="ArgumentException">The base options are not an instance of the space's options type.</exception>
    public GFlowNetExperiment SetSearchSpace(SearchSpace searchSpace)
    {
        ArgumentNullException.ThrowIfNull(searchSpace);
        if (!searchSpace.OptionsType.IsInstanceOfType(BaseOptions))
            throw new ArgumentException($"The search space was read from {searchSpace.OptionsType.Name}, but the base options are a {BaseOptions.GetType().Name}.", nameof(searchSpace));
        SearchSpace = searchSpace;
        return this;
    }

    /// <summary>Uses <paramref name="tuner"/>, which must propose points of <see cref="SearchSpace"/>.</summary>
    public GFlowNetExperiment SetTuner(ITuner tuner)
    {
        _tuner = tuner ?? throw new ArgumentNullException(nameof(tuner));
        return this;
    }

    /// <summary>Uses a <see cref="CostFrugalTuner"/> seeded with <see cref="Seed"/> (the default).</summary>
    public GFlowNetExperiment SetCostFrugalTuner()
    {
        _tuner = null;
        _tunerFactory = (space, seed) => new CostFrugalTuner(space, seed);
        return this;
    }

    /// <summary>Uses a <see cref="RandomSearchTuner"/> seeded with <paramref name="seed"/>, or <see cref="Seed"/> when null.</summary>
    public GFlowNetExperiment SetRandomSearchTuner(int? seed = null)
    {
        _tuner = null;
        _tunerFactory = (space, s) => new RandomSearchTuner(space, seed ?? s);
        return this;
    }

    /// <summary>Uses a <see cref="GridSearchTuner"/> with <paramref name="steps"/> values per range; the experiment stops once
    /// every grid point was tried.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is less than 2.</exception>
    public GFlowNetExperiment SetGridSearchTuner(int steps = 10)
    {
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be at least 2 (both ends of every range).");
        _tuner = null;
        _tunerFactory = (space, _) => new GridSearchTuner(space, steps);
        return this;
    }

    /// <summary>Minimises <paramref name="objective"/>.</summary>
    public GFlowNetExperiment SetObjective(TuningObjective objective)
    {
        Objective = objective ?? throw new ArgumentNullException(nameof(objective));
        return this;
    }

    /// <summary>Minimises a metric of the user's own (<see cref="TuningObjective.Custom(string, Func{GFlowNetSamplerTransformer, double})"/>).</summary>
    public GFlowNetExperiment SetObjective(string name, Func<GFlowNetSamplerTransformer, double> metric) => SetObjective(TuningObjective.Custom(name, metric));

    /// <summary>Runs at most <paramref name="maxTrials"/> trials (at least 1).</summary>
    public GFlowNetExperiment SetMaxTrials(int maxTrials)
    {
        if (maxTrials < 1) throw new ArgumentOutOfRangeException(nameof(maxTrials), maxTrials, "maxTrials must be at least 1.");
        MaxTrials = maxTrials;
        return this;
    }

    /// <summary>Proposes <paramref name="trials"/> trials per round (at least 1); the results depend on it (see the remarks).</summary>
    public GFlowNetExperiment SetTrialsPerRound(int trials)
    {
        if (trials < 1) throw new ArgumentOutOfRangeException(nameof(trials), trials, "trials must be at least 1.");
        TrialsPerRound = trials;
        return this;
    }

    /// <summary>Trains up to <paramref name="trials"/> trials of a round at once (at least 1); the results do not depend on it.</summary>
    public GFlowNetExperiment SetMaxConcurrentTrials(int trials)
    {
        if (trials < 1) throw new ArgumentOutOfRangeException(nameof(trials), trials, "trials must be at least 1.");
        MaxConcurrentTrials = trials;
        return this;
    }

    /// <summary>Stops after <paramref name="seconds"/> of wall-clock time (finite, &gt; 0): no trial starts later, and a trial
    /// still training then is cancelled.</summary>
    public GFlowNetExperiment SetTrainingTimeInSeconds(double seconds)
    {
        if (!(seconds > 0) || double.IsNaN(seconds) || double.IsInfinity(seconds))
            throw new ArgumentOutOfRangeException(nameof(seconds), seconds, "seconds must be a finite number greater than 0.");
        MaxSeconds = seconds;
        return this;
    }

    /// <summary>Stops poor trials early by <paramref name="options"/>' rule (see <see cref="EarlyStoppingOptions"/>); the
    /// objective must evaluate records (<see cref="TuningObjective.EvaluatesRecords"/>), which <see cref="Run(CancellationToken)"/> checks.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named, with the values it allows).</exception>
    public GFlowNetExperiment SetEarlyStopping(EarlyStoppingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        EarlyStopping = options;
        return this;
    }

    /// <summary>Stops poor trials early by <paramref name="rule"/> with a grace period of <paramref name="gracePeriod"/>
    /// iterations (null: the base options' EvalEvery) and ASHA's reduction factor <paramref name="reductionFactor"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (named, with the values it allows).</exception>
    public GFlowNetExperiment SetEarlyStopping(EarlyStoppingRule rule, int? gracePeriod = null, int reductionFactor = 3)
        => SetEarlyStopping(new EarlyStoppingOptions { Rule = rule, GracePeriod = gracePeriod, ReductionFactor = reductionFactor });

    /// <summary>Writes the experiment's state to <c><paramref name="folder"/>/tune-state.json</c> after every finished trial
    /// (to a temporary file renamed over the old state, so a kill never leaves a torn file), and resumes from it: when
    /// <see cref="Run(CancellationToken)"/> finds a state of the same experiment there, the trials it records (succeeded,
    /// pruned or failed) are replayed through a fresh tuner, each replayed proposal checked against the recorded point, and
    /// only the rest are trained, so the tune ends with the same trials and metrics as one that was never interrupted. A
    /// trial that was training when the process died is trained again from its start; a cancelled trial is never recorded.
    /// The time budget counts from the resumed run's start; <see cref="MaxTrials"/> may be raised to extend a finished tune.
    /// </summary>
    /// <remarks>A tuner given with <see cref="SetTuner(ITuner)"/> must be fresh (nothing proposed yet) for the replay to
    /// rebuild its state; the built-in ones are made afresh for every run. <see cref="TuningResult.BestModel"/> of a best
    /// trial read from the state is trained again from its options and seed when first read (training is deterministic).
    /// The state is refused with <see cref="InvalidDataException"/> when corrupt and <see cref="InvalidOperationException"/>
    /// when it belongs to another experiment (other options, search space, tuner, objective, seeds, round size, early
    /// stopping, initial points or trial runner type).</remarks>
    /// <exception cref="ArgumentException"><paramref name="folder"/> is empty.</exception>
    public GFlowNetExperiment SetCheckpoint(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        CheckpointFolder = folder;
        return this;
    }

    /// <summary>Seeds the tuner and, unless the base options fix one, the trials' training seed.</summary>
    public GFlowNetExperiment SetSeed(int seed)
    {
        Seed = seed;
        return this;
    }

    /// <summary>The data every trial's <c>Fit</c> reads (the task's columns and the seed column). Default: one row with the
    /// seed column only, which is all a fixed environment needs.</summary>
    public GFlowNetExperiment SetDataset(IDataView data)
    {
        _data = data ?? throw new ArgumentNullException(nameof(data));
        return this;
    }

    /// <summary>The training seed of every trial: the base options' seed, or one derived from <see cref="Seed"/>.</summary>
    public long TrainingSeed => BaseOptions.Seed ?? GFlowNetML.Sampling.GFlowNetRandom.Derive(Seed, 0, GFlowNetML.Sampling.SeedDomain.TuningTraining);

    /// <summary>Evaluates <paramref name="points"/> first, as FLAML's <c>points_to_evaluate</c>: trial i trains the i-th point
    /// (trials 0 … n − 1, in rounds of <see cref="TrialsPerRound"/>, the last of them possibly shorter), and only then does
    /// the tuner propose; the cost-frugal tuner starts its search at the best of them (the lowest finite loss, the earliest on
    /// a tie) instead of the default point. Each point gives option values by name (case-insensitive) as
    /// <see cref="SearchSpace.Point(IReadOnlyDictionary{string, object})"/> reads them: an option not named takes its default
    /// (the attribute's initial value); values are checked against the search space, never clamped. The points are part of
    /// the experiment's identity in its checkpoint, so a resumed run must be given the same ones. Replaces any points set
    /// before; no points (the default) starts at the tuner's own first proposal. With fewer trials than points only the first
    /// <see cref="MaxTrials"/> are evaluated.</summary>
    /// <exception cref="ArgumentException">A point is null, names an option the search space does not tune, or gives a value
    /// of the wrong kind or outside the option's range or choices; the message names the point, the option and what it
    /// allows. <see cref="Run(CancellationToken)"/> checks the points again against the search space then in force.</exception>
    public GFlowNetExperiment SetInitialPoints(params IReadOnlyDictionary<string, object>[] points)
        => SetInitialPoints((IEnumerable<IReadOnlyDictionary<string, object>>)points);

    /// <inheritdoc cref="SetInitialPoints(IReadOnlyDictionary{string, object}[])"/>
    public GFlowNetExperiment SetInitialPoints(IEnumerable<IReadOnlyDictionary<string, object>> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var copies = new List<IReadOnlyDictionary<string, object>>();
        foreach (var point in points)
        {
            if (point is null) throw new ArgumentException($"Initial point {copies.Count} is null.", nameof(points));
            var copy = new Dictionary<string, object>(point, StringComparer.Ordinal);
            InitialPoint(SearchSpace, copies.Count, copy);
            copies.Add(copy);
        }
        _initialPoints = copies;
        return this;
    }

    /// <summary>The initial points (<see cref="SetInitialPoints(IReadOnlyDictionary{string, object}[])"/>), in order; empty by default.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, object>> InitialPoints => _initialPoints;

    /// <summary>Reports every trial to <paramref name="monitor"/> (see <see cref="IMonitor"/> for the calls and their order),
    /// or to none when null (the default).</summary>
    public GFlowNetExperiment SetMonitor(IMonitor? monitor)
    {
        Monitor = monitor;
        return this;
    }

    /// <summary>The monitor the trials are reported to, or null (the default).</summary>
    public IMonitor? Monitor { get; private set; }

    /// <summary>Runs every trial with <paramref name="runner"/> instead of the default
    /// (<see cref="DefaultTrialRunner"/>, the trainer's fit); null restores the default. See <see cref="ITrialRunner"/>
    /// for what the experiment reads from the results and measures itself.</summary>
    /// <remarks>Early stopping is the default runner's: a runner of the user's own decides itself whether to end a trial
    /// early (a <see cref="TrialStatus.Pruned"/> result), unless it delegates to <see cref="DefaultTrialRunner"/> with the
    /// settings it was given. On resume, <see cref="TuningResult.BestModel"/> of a best trial read from the checkpoint is the
    /// <see cref="TrialResult.Model"/> of running that trial again with the runner.</remarks>
    public GFlowNetExperiment SetTrialRunner(ITrialRunner? runner)
    {
        TrialRunner = runner ?? DefaultTrialRunner;
        return this;
    }

    /// <summary>The runner of the trials: <see cref="DefaultTrialRunner"/> unless one was set.</summary>
    public ITrialRunner TrialRunner { get; private set; }

    /// <summary>The default runner: fits the trainer with the trial's options and computes the objective
    /// (<see cref="GFlowNetTrialRunner"/>), judging early stopping at its evaluations.</summary>
    public GFlowNetTrialRunner DefaultTrialRunner { get; }

    /// <inheritdoc cref="Run(IProgress{TuningTrial}?, CancellationToken)"/>
    public TuningResult Run(CancellationToken cancellationToken = default) => Run(null, cancellationToken);

    /// <summary>Runs the trials on a thread-pool thread, as AutoML's <c>AutoMLExperiment.RunAsync</c> does, and returns the
    /// best one with its fitted sampler, and every trial (see <see cref="Run(IProgress{TuningTrial}?, CancellationToken)"/>;
    /// the monitor is then called on that thread).</summary>
    /// <param name="cancellationToken">Stops the experiment: the trial in progress is cancelled and the trials so far are
    /// returned (the task is not cancelled).</param>
    public Task<TuningResult> RunAsync(CancellationToken cancellationToken = default)
        => Task.Run(() => Run(null, cancellationToken), CancellationToken.None);

    /// <summary>Runs the trials and returns the best one with its fitted sampler, and every trial.</summary>
    /// <param name="progress">Told about each trial as it ends (on the experiment's thread, after the monitor).</param>
    /// <param name="cancellationToken">Stops the experiment: the trial in progress is cancelled and recorded as such, and the
    /// trials so far are returned.</param>
    /// <exception cref="InvalidOperationException">The tuner proposed a point of another dimension than the search space's, or
    /// early stopping is on with an objective that cannot evaluate records.</exception>
    /// <exception cref="ArgumentException">An initial point does not fit the search space in force.</exception>
    public TuningResult Run(IProgress<TuningTrial>? progress, CancellationToken cancellationToken = default)
    {
        var space = SearchSpace;
        var earlyStopping = EarlyStopping;
        if (earlyStopping.Rule != EarlyStoppingRule.None && !Objective.EvaluatesRecords)
            throw new InvalidOperationException($"Early stopping ({earlyStopping}) needs the objective at every evaluation, but '{Objective.Name}' is computed from a fitted sampler only; use TuningObjective.Custom(name, metric, evaluationMetric) or turn early stopping off.");
        var initial = _initialPoints.Select((p, i) => InitialPoint(space, i, p)).ToArray();
        int initialCount = initial.Length;
        // The values exactly as given (the log map's round trip can miss them by an ulp).
        var exact = _initialPoints.Select(space.ExactValues).ToArray();
        IReadOnlyDictionary<string, object>? ExactFor(int trialId) => trialId < initialCount ? exact[trialId] : null;
        var tuner = _tuner ?? _tunerFactory(space, Seed);
        var runner = TrialRunner;
        var monitor = Monitor;
        Data = _data ?? SeedOnlyData();
        long trainingSeed = TrainingSeed;
        var checkpoint = CheckpointFolder is null ? null
            : TuningCheckpoint.Open(CheckpointFolder, Identity(space, tuner, trainingSeed, initial), (id, point, status, metric, loss, seconds, memory, error, iterations, evaluations)
                => Restore(space, id, point, status, metric, loss, seconds, memory, error, iterations, evaluations, trainingSeed, ExactFor(id)));
        var host = ((IHostEnvironment)_mlContext).Register("GFlowNet.Tuning");
        using var channel = host.Start("GFlowNet tuning");
        channel.Info(MessageSensitivity.None, $"Tuning {space.Count} options of {BaseOptions.GetType().Name} ({string.Join(", ", space.Dimensions.Select(d => d.Name))}) "
            + $"with {tuner.GetType().Name}{(initialCount > 0 ? $" after {initialCount} initial points" : "")}, minimising {Objective.Name}, early stopping {earlyStopping}: at most {MaxTrials} trials{(double.IsPositiveInfinity(MaxSeconds) ? "" : FormattableString.Invariant($" in {MaxSeconds:G} s"))}, training seed {trainingSeed}.");

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (!double.IsPositiveInfinity(MaxSeconds)) budget.CancelAfter(TimeSpan.FromSeconds(Math.Min(MaxSeconds, int.MaxValue / 1000.0)));
        var clock = Stopwatch.StartNew();
        if (checkpoint is { Restored.Count: > 0 })
            channel.Info(MessageSensitivity.None, $"Resuming from {CheckpointFolder}: {checkpoint.Restored.Count} finished trials are replayed, not trained again.");
        var trials = new List<TuningTrial>();
        TuningTrial? best = null;
        GFlowNetSamplerTransformer? bestModel = null;
        string stopReason = "trial budget";
        for (int first = 0, size; first < MaxTrials; first += size)
        {
            // The initial points fill the first rounds (the last of them possibly shorter); the tuner proposes the rest.
            size = Math.Min(MaxTrials - first, first < initialCount ? Math.Min(TrialsPerRound, initialCount - first) : TrialsPerRound);
            if (StopReason(cancellationToken, budget.Token, tuner, first - initialCount) is { } reason)
            {
                stopReason = reason;
                break;
            }
            // The round's proposals, before any of its results (grid search may run out within the round).
            var round = new List<(TrialSettings Settings, double[] Point)>();
            for (int trialId = first; trialId < first + size; trialId++)
            {
                if (trialId >= initialCount && tuner is GridSearchTuner grid && trialId - initialCount >= grid.PointCount) break;
                var settings = new TrialSettings(trialId);
                var point = trialId < initialCount ? (double[])initial[trialId].Clone() : tuner.Propose(settings);
                if (point is null || point.Length != space.Count)
                    throw new InvalidOperationException($"{tuner.GetType().Name} proposed a point of {point?.Length ?? 0} coordinates; the search space has {space.Count}.");
                if (checkpoint is not null && checkpoint.Restored.TryGetValue(trialId, out var recorded) && !recorded.Parameter.SequenceEqual(point))
                    throw new InvalidOperationException($"The tuning state in {CheckpointFolder} does not replay: trial {trialId} was recorded at [{string.Join(", ", recorded.Parameter.Select(p => p.ToString("R", CultureInfo.InvariantCulture)))}], "
                        + $"but the tuner now proposes [{string.Join(", ", point.Select(p => p.ToString("R", CultureInfo.InvariantCulture)))}]; it was written by another experiment (or another tuner state), so resume it with the same settings or use another folder.");
                round.Add((Describe(space, settings, point, trainingSeed, ExactFor(trialId)), point));
            }
            var outcomes = new (TuningTrial Trial, TrialResult Result, Exception? Exception)?[round.Count];
            // The round's trials are judged against the trials of earlier rounds only: all ended, whatever the concurrency.
            var stopper = earlyStopping.Rule == EarlyStoppingRule.None ? null : new EarlyStopper(earlyStopping, trials.ToArray(), BaseOptions.EvalEvery);
            var toRun = round.Where(r => checkpoint is null || !checkpoint.Restored.ContainsKey(r.Settings.TrialId)).ToArray();
            bool announced = monitor is not null && !budget.IsCancellationRequested;
            if (announced)
                foreach (var (settings, _) in toRun) monitor!.ReportRunningTrial(settings);
            Parallel.For(0, round.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(MaxConcurrentTrials, round.Count) }, k =>
            {
                // A finished trial of the checkpoint is replayed as it was recorded.
                if (checkpoint is not null && checkpoint.Restored.TryGetValue(round[k].Settings.TrialId, out var restored))
                {
                    outcomes[k] = (restored, ResultOf(restored, round[k].Settings), null);
                    return;
                }
                // No trial starts once the budget is spent or the caller cancelled (those already training are cancelled).
                if (!budget.IsCancellationRequested)
                {
                    outcomes[k] = RunTrial(space, runner, round[k].Settings with { Stopper = stopper }, round[k].Point, trainingSeed, budget.Token, round[k].Settings.TrialId < initialCount);
                    checkpoint?.Record(outcomes[k]!.Value.Trial);
                }
            });
            bool stop = false;
            for (int k = 0; k < round.Count; k++) // results in trial order, whatever order they finished in
            {
                if (outcomes[k] is not { } outcome)
                {
                    // Announced as running, but never started: the budget ran out first.
                    if (announced && toRun.Any(r => r.Settings.TrialId == round[k].Settings.TrialId)) monitor!.ReportFailTrial(round[k].Settings);
                    stop = true;
                    continue;
                }
                var (trial, result, exception) = outcome;
                trials.Add(trial);
                // A pruned trial is a miss for the tuner: it never follows a point whose training it did not see end.
                tuner.Update(result);
                channel.Info(MessageSensitivity.None, FormattableString.Invariant($"{trial} in {trial.Seconds:F1} s{(trial.Error is null ? "" : ": " + trial.Error)}"));
                if (trial.Status is TrialStatus.Succeeded or TrialStatus.Pruned) monitor?.ReportCompletedTrial(result);
                else monitor?.ReportFailTrial(result.Settings, exception);
                if (trial.Status == TrialStatus.Succeeded && (best is null || trial.Loss < best.Loss))
                {
                    best = trial;
                    bestModel = result.Model;
                    monitor?.ReportBestTrial(result);
                }
                progress?.Report(trial);
                if (trial.Status == TrialStatus.Cancelled) stop = true;
            }
            // Warm start: once every initial point is told, CFO starts from the best of them.
            if (first + size == initialCount && tuner is CostFrugalTuner cfo
                && trials.Where(t => t.IsInitialPoint && t.Status == TrialStatus.Succeeded && double.IsFinite(t.Loss)).MinBy(t => t.Loss) is { } warm)
                cfo.StartFrom(warm.Parameter, warm.Loss);
            if (stop)
            {
                stopReason = cancellationToken.IsCancellationRequested ? "cancelled" : "time budget";
                break;
            }
        }
        channel.Info(MessageSensitivity.None, best is null ? $"No trial succeeded ({stopReason})." : $"Best: {best} ({stopReason}).");
        // A best trial read from the checkpoint has no model in memory: it is trained again, deterministically, when asked for.
        var bestTrial = best;
        var data = Data;
        var lazyModel = bestModel is not null || bestTrial is null || !bestTrial.IsRestored
            ? new Lazy<GFlowNetSamplerTransformer?>(bestModel)
            : ReferenceEquals(runner, DefaultTrialRunner)
                ? new Lazy<GFlowNetSamplerTransformer?>(() => new GFlowNetSamplerEstimator(TrialContext(bestTrial.TrialId), bestTrial.Options!).Fit(data))
                : new Lazy<GFlowNetSamplerTransformer?>(() => runner.RunAsync(Describe(space, new TrialSettings(bestTrial.TrialId), bestTrial.Parameter.ToArray(), trainingSeed, ExactFor(bestTrial.TrialId)), CancellationToken.None).GetAwaiter().GetResult()?.Model);
        var tuningResult = new TuningResult(Objective.Name, trials, best, lazyModel, clock.Elapsed.TotalSeconds, stopReason);
        if (earlyStopping.Rule != EarlyStoppingRule.None)
            channel.Info(MessageSensitivity.None, FormattableString.Invariant(
                $"Early stopping pruned {tuningResult.PrunedTrials} of {trials.Count} trials: {tuningResult.IterationsRun} iterations run, {tuningResult.IterationsSaved} saved (about {tuningResult.SecondsSaved:F1} s)."));
        return tuningResult;
    }

    private static string? StopReason(CancellationToken caller, CancellationToken budget, ITuner tuner, int proposals)
    {
        if (caller.IsCancellationRequested) return "cancelled";
        if (budget.IsCancellationRequested) return "time budget";
        if (tuner is GridSearchTuner grid && proposals >= grid.PointCount) return "grid exhausted";
        return null;
    }

    /// <summary>The unit point of initial point <paramref name="index"/> in <paramref name="space"/>.</summary>
    private static double[] InitialPoint(SearchSpace space, int index, IReadOnlyDictionary<string, object> values)
    {
        try { return space.Point(values); }
        catch (ArgumentException e) { throw new ArgumentException($"Initial point {index}: {e.Message}", "points", e); }
    }

    /// <summary>The settings of a trial at <paramref name="point"/>: its values and options (none where the point cannot be
    /// turned into options; the trial then fails without running).</summary>
    private TrialSettings Describe(SearchSpace space, TrialSettings settings, double[] point, long trainingSeed, IReadOnlyDictionary<string, object>? exact)
    {
        IReadOnlyDictionary<string, object> values = new Dictionary<string, object>();
        GFlowNetSamplerOptions? options = null;
        try
        {
            values = space.ValuesExact(point, exact);
            options = space.SampleExact(point, BaseOptions, exact);
            options.Seed = trainingSeed;
        }
        catch (ArgumentException) { }
        return settings with { Parameter = point, Values = values, Options = options };
    }

    /// <summary>Runs one trial with <paramref name="runner"/>, timing it and watching the process's memory, and turns the
    /// outcome into the trial's record (a runner that throws fails the trial; a cancelled one is recorded as such).</summary>
    private (TuningTrial Trial, TrialResult Result, Exception? Exception) RunTrial(SearchSpace space, ITrialRunner runner, TrialSettings settings, double[] point,
        long trainingSeed, CancellationToken token, bool initialPoint)
    {
        var clock = Stopwatch.StartNew();
        var started = DateTime.UtcNow;
        TrialResult result;
        Exception? exception = null;
        using (var memory = new PeakWorkingSet())
        {
            try
            {
                if (settings.Options is null) space.Sample(point, BaseOptions); // throws the reason the point has no options
                result = runner.RunAsync(settings, token).GetAwaiter().GetResult()
                    ?? throw new InvalidOperationException($"{runner.GetType().Name} returned no result for trial {settings.TrialId}.");
                exception = result.Exception;
                // Only the time budget or the caller cancels a trial (it is then re-run on resume); a runner's own "cancelled" fails it.
                if (result.Status == TrialStatus.Cancelled && !token.IsCancellationRequested)
                    result = result with { Status = TrialStatus.Failed, Error = result.Error ?? "The runner reported the trial as cancelled, but neither the time budget nor the caller cancelled it." };
                if (!Enum.IsDefined(result.Status))
                    result = result with { Status = TrialStatus.Failed, Error = $"The runner reported the status {(int)result.Status}, which is not a TrialStatus." };
                if (result.Status == TrialStatus.Succeeded && double.IsNaN(result.Loss))
                    result = result with { Status = TrialStatus.Failed, Error = "The loss is NaN." };
                if (result.Status == TrialStatus.Failed && result.Error is null)
                    result = result with { Error = exception is null ? "The runner reported the trial as failed." : ErrorText(exception) };
            }
            catch (OperationCanceledException e) when (token.IsCancellationRequested)
            {
                exception = e;
                result = new TrialResult(settings, point, double.PositiveInfinity, 0) { Status = TrialStatus.Cancelled, Error = $"{e.GetType().Name}: {e.Message}", Exception = e };
            }
            catch (Exception e)
            {
                exception = e;
                result = new TrialResult(settings, point, double.PositiveInfinity, 0) { Status = TrialStatus.Failed, Error = ErrorText(e), Exception = e };
            }
            double seconds = clock.Elapsed.TotalSeconds;
            bool succeeded = result.Status == TrialStatus.Succeeded;
            result = result with
            {
                Settings = settings with { Stopper = null, StartedAtUtc = started, EndedAtUtc = DateTime.UtcNow }, Parameter = point, Seconds = seconds, PeakMemoryInMegaByte = memory.Stop(),
                Loss = succeeded ? result.Loss : double.PositiveInfinity,
                Metric = result.Status is TrialStatus.Succeeded or TrialStatus.Pruned ? result.Metric : double.PositiveInfinity,
                Error = succeeded || result.Status == TrialStatus.Pruned ? null : result.Error,
            };
        }
        var trial = new TuningTrial(settings.TrialId, point, settings.Values, settings.Options, trainingSeed, result.Metric, result.Seconds, result.Status, result.Error,
            result.Iterations, result.Evaluations.ToArray())
        {
            Loss = result.Loss, PeakMemoryInMegaByte = result.PeakMemoryInMegaByte, IsInitialPoint = initialPoint,
        };
        return (trial, result, exception);
    }

    /// <summary>The result a restored trial tells the tuner and the monitor.</summary>
    private static TrialResult ResultOf(TuningTrial trial, TrialSettings settings)
        => new(settings, trial.Parameter, trial.Loss, trial.Seconds)
        {
            Metric = trial.Metric, Status = trial.Status, Iterations = trial.Iterations, Error = trial.Error, Evaluations = trial.Evaluations,
            PeakMemoryInMegaByte = trial.PeakMemoryInMegaByte,
        };

    /// <summary>An exception as a trial's error: its type and its message on one line.</summary>
    internal static string ErrorText(Exception e)
        => $"{e.GetType().Name}: {string.Join(" ", e.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))}";

    /// <summary>The peak of <see cref="Environment.WorkingSet"/> from its creation to <see cref="Stop"/>, sampled every 100 ms.</summary>
    private sealed class PeakWorkingSet : IDisposable
    {
        private readonly Timer _timer;
        private long _peak;

        public PeakWorkingSet()
        {
            _peak = Environment.WorkingSet;
            _timer = new Timer(_ => Sample(), null, 100, 100);
        }

        private void Sample()
        {
            long now = Environment.WorkingSet, peak;
            while (now > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak) { }
        }

        /// <summary>Stops sampling and returns the peak in MiB.</summary>
        public double Stop()
        {
            _timer.Dispose();
            Sample();
            return Interlocked.Read(ref _peak) / (1024.0 * 1024.0);
        }

        public void Dispose() => _timer.Dispose();
    }

    /// <summary>What identifies the experiment in its checkpoint: a state of another experiment is refused.</summary>
    private JsonObject Identity(SearchSpace space, ITuner tuner, long trainingSeed, double[][] initialPoints)
    {
        var baseOptions = new JsonObject();
        foreach (var member in BaseOptions.GetType().GetMembers(BindingFlags.Public | BindingFlags.Instance).OrderBy(m => m.Name, StringComparer.Ordinal))
        {
            object? value = member switch
            {
                FieldInfo f => f.GetValue(BaseOptions),
                PropertyInfo { CanRead: true } p when p.GetIndexParameters().Length == 0 => p.GetValue(BaseOptions),
                _ => null,
            };
            if (value is GFlowNetTask task) baseOptions[member.Name] = task.Description;
            else if (value is not null && (value.GetType().IsPrimitive || value is string || value.GetType().IsEnum))
                baseOptions[member.Name] = Convert.ToString(value, CultureInfo.InvariantCulture);
        }
        var identity = new JsonObject
        {
            ["options"] = BaseOptions.GetType().FullName, ["baseOptions"] = baseOptions,
            ["searchSpace"] = new JsonArray(space.Dimensions.Select(d => (JsonNode?)JsonValue.Create(d.ToString())).ToArray()),
            ["tuner"] = tuner.GetType().FullName, ["objective"] = Objective.Name, ["seed"] = Seed, ["trainingSeed"] = trainingSeed,
            ["trialsPerRound"] = TrialsPerRound, ["earlyStopping"] = EarlyStopping.ToString(),
        };
        // Only when set, so that the states of tunes without initial points or a runner of their own read as before.
        if (!ReferenceEquals(TrialRunner, DefaultTrialRunner)) identity["runner"] = TrialRunner.GetType().FullName;
        if (initialPoints.Length > 0)
            identity["initialPoints"] = new JsonArray(initialPoints.Select(p => (JsonNode?)new JsonArray(p.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray())).ToArray());
        return identity;
    }

    /// <summary>A finished trial as the checkpoint recorded it (its options rebuilt from its point).</summary>
    private TuningTrial Restore(SearchSpace space, int id, double[] point, TrialStatus status, double metric, double? loss, double seconds, double peakMemory,
        string? error, long iterations, TrialEvaluation[] evaluations, long trainingSeed, IReadOnlyDictionary<string, object>? exact)
    {
        var values = space.ValuesExact(point, exact);
        GFlowNetSamplerOptions? options = null;
        try
        {
            options = space.SampleExact(point, BaseOptions, exact);
            options.Seed = trainingSeed;
        }
        catch (ArgumentException) when (status == TrialStatus.Failed) { }
        return new TuningTrial(id, point, values, options, trainingSeed, metric, seconds, status, error, iterations, evaluations)
        {
            IsRestored = true, Loss = loss ?? (status == TrialStatus.Succeeded ? metric : double.PositiveInfinity), PeakMemoryInMegaByte = peakMemory,
            IsInitialPoint = exact is not null,
        };
    }

    /// <summary>The context a trial fits in: its own, because an <c>MLContext</c> is not safe for concurrent fits, with the
    /// experiment context's GPU settings and a seed of its own (the fit's seed is the options', so it draws nothing from it).</summary>
    internal MLContext TrialContext(int trialId)
        => new(seed: (int)GFlowNetML.Sampling.GFlowNetRandom.Derive(Seed, trialId, GFlowNetML.Sampling.SeedDomain.TuningTrial))
        {
            GpuDeviceId = _mlContext.GpuDeviceId,
            FallbackToCpu = _mlContext.FallbackToCpu,
        };

    /// <summary>The data of the run in progress (the default runner's).</summary>
    internal IDataView Data
    {
        get => _runData ?? _data ?? SeedOnlyData();
        private set => _runData = value;
    }

    private IDataView? _runData;

    /// <summary>One row holding the seed column: the data of a fixed environment.</summary>
    private IDataView SeedOnlyData()
    {
        var schema = SchemaDefinition.Create(typeof(SeedRow));
        schema[0].ColumnName = BaseOptions.SeedColumnName;
        return _mlContext.Data.LoadFromEnumerable([new SeedRow()], schema);
    }

    private sealed class SeedRow
    {
        public long Seed { get; set; }
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"GFlowNetExperiment({BaseOptions.GetType().Name}, {SearchSpace.Count} options, {MaxTrials} trials)");
}
