using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GFlowNetML.Parameters;
using GFlowNetML.Torch.Training;
using GFlowNetML.Trainers;
using GFlowNetML.Tuning;
using Microsoft.ML;
using Spectre.Console;
using static GFlowNetML.Parameters.ParameterDeclaration;

namespace GFlowNetML.Cli.Commands;

/// <summary><c>gflownet tune</c>: an AutoML-style search over a trainer's options (the ML.NET estimator's Options and their
/// <c>[Range]</c>/<c>[Choice]</c> attributes), printing a leaderboard and writing tune.json.</summary>
internal static class TuneCommand
{
    public const string FileName = "tune.json";

    /// <summary>The tune's options, kept in --out so that <c>--resume DIR</c> can rebuild the same experiment.</summary>
    public const string RunFileName = "tune-run.json";

    private const string RunFormat = "gflownetml-tune-run";

    private const string PointsExample = """[{"LearningRate": 0.001, "LogZLearningRate": 0.1}]""";

    private static readonly ParameterDeclaration Method = TrainOptions.Method with { Description = "the method whose ML.NET estimator is tuned" };
    private static readonly ParameterDeclaration Tuner = Choice("tuner", "cfo", ["cfo", "random", "grid"], "cost-frugal (CFO), random or grid search");
    private static readonly ParameterDeclaration Trials = Integer("trials", 10, 1, 100_000, "the number of trials");
    private static readonly ParameterDeclaration MaxSeconds = Number("max-seconds", null, 0, double.PositiveInfinity, "stop starting trials after this many seconds", exclusiveMinimum: true) with { NoDefault = "no limit" };
    private static readonly ParameterDeclaration Seed = Integer("seed", 0, 0, long.MaxValue, "the tuner's seed (every trial trains with one seed derived from it)");
    private static readonly ParameterDeclaration Out = Text("out", "DIR", "the folder tune.json, tune-state.json and tune-run.json are written to", noDefault: "required");
    private static readonly ParameterDeclaration Iterations = Integer("iterations", 200, 1, long.MaxValue, "training iterations of each trial");
    private static readonly ParameterDeclaration BatchSize = Integer("batch-size", 64, 1, long.MaxValue, "trajectories per iteration (when not tuned)");
    private static readonly ParameterDeclaration EvalEvery = Integer("eval-every", 50, 1, long.MaxValue, "evaluate every K iterations");
    private static readonly ParameterDeclaration Objective = Choice("objective", "auto", ["auto", "tv", "logz", "topk"], "the metric minimised: exact TV where enumerable else -top-k mean reward (auto), tv, |log Z - log Z*| (logz) or topk");
    private static readonly ParameterDeclaration GridSteps = Integer("grid-steps", 3, 2, 1000, "values per dimension of --tuner grid");
    private static readonly ParameterDeclaration Exclude = Text("exclude", "Name,Name", "options kept at their defaults (not tuned)");
    private static readonly ParameterDeclaration Round = Integer("round", 1, 1, 1024, "trials proposed at a time (the tuner hears of them when the round ends)");
    private static readonly ParameterDeclaration Parallel = Integer("parallel", null, 1, 1024, "trials trained at once (at most --round)") with { NoDefault = "the machine's cores" };
    private static readonly ParameterDeclaration EarlyStopping = Choice("early-stopping", "none", ["none", "median", "asha"], "stop poor trials at their evaluations");
    private static readonly ParameterDeclaration GracePeriod = Integer("grace-period", null, 1, long.MaxValue, "no trial is stopped before this many iterations") with { NoDefault = "--eval-every" };
    private static readonly ParameterDeclaration ReductionFactor = Integer("reduction-factor", 3, 2, 1000, "asha keeps the top 1/factor at each rung");
    private static readonly ParameterDeclaration Rungs = Text("rungs", "N,N", "asha's rungs in iterations (instead of --grace-period × factor^k)");
    private static readonly ParameterDeclaration Resume = Text("resume", "DIR", "continue the tune in DIR with the options it was started with (only --parallel may change)");
    private static readonly ParameterDeclaration Points = Text("points", "FILE.json", "known configurations evaluated first");

    private static readonly ParameterDeclaration Threads = TrainOptions.Threads with { Description = "torch threads of each trial" };

    /// <summary>The option table of <c>gflownet tune</c>.</summary>
    private static readonly OptionTable Table = new("tune",
    [
        .. EnvironmentSettings.Groups,
        new("Tuning:", [Method, Tuner, Trials, MaxSeconds, Seed, Iterations, BatchSize, EvalEvery, Objective, GridSteps, Exclude, Points]),
        new("Running:", [Threads, Round, Parallel, Out, Resume]),
        new("Early stopping:", [EarlyStopping, GracePeriod, ReductionFactor, Rungs]),
        ClusterOption.RunGroup,
    ]);

    /// <summary>The help text, from the option table.</summary>
    public static string Help => Table.Help("""
        gflownet tune [--env NAME] [environment options] [--method NAME] [--tuner cfo|random|grid] [--trials N] --out DIR
        gflownet tune --resume DIR [--parallel P]
        """, $"""
        Each trial fits the method's ML.NET estimator with --iterations iterations and the options the tuner proposes
        (learning rates, network size, batch size and the method's own options; --exclude keeps some at their defaults, or
        at --batch-size). Every trial trains with the same seed. The objective: the final exact total variation where the
        space can be enumerated, otherwise minus the top-k mean reward of the final evaluation (auto); tv, logz
        (|log Z - log Z*|) or topk choose one. Prints the leaderboard and writes DIR/tune.json.
        The tuner proposes --round trials at a time and hears of them when the round ends; up to --parallel of them
        (default: the machine's cores, at most --round) train at once, each with --threads torch threads. The trials
        and their metrics depend on --seed and --round, not on --parallel or the machine.
        --early-stopping stops poor trials at their evaluations (every --eval-every iterations), judged by the objective
        against the trials of earlier rounds only (so still independent of --parallel): median stops a trial whose best
        metric so far is worse than the median of the completed trials' metrics at the same iteration (once 3 have
        completed); asha keeps a trial at each rung (--grace-period x --reduction-factor^k iterations, or --rungs) only if
        it ranks in the top 1/--reduction-factor of the trials that reached the rung. Neither stops a trial before
        --grace-period (default --eval-every) iterations. A stopped trial is 'pruned' with the iterations it ran and its
        last metric; the summary reports the iterations and seconds saved.
        After every finished trial the tune's state is written to DIR/tune-state.json (atomically); --resume DIR continues
        a tune that was stopped or killed with the options it was started with (only --parallel may change): the
        finished trials are replayed, not trained again, the trial that was training is trained again, and the tune ends
        with the trials and metrics of an uninterrupted one.
        --points FILE.json evaluates known configurations first (FLAML's points_to_evaluate): a JSON array of objects of
        option values by name (e.g. {PointsExample}; case and dashes ignored, an option
        not named takes its default), each checked against the search space. They are trials 0, 1, ... and cfo then starts
        from the best of them; they are kept in DIR/tune-run.json, so --resume evaluates the same ones.
        --cluster trains the trials on the silos of a cluster ('gflownet silo'), --parallel at a time, with the same trials
        and metrics as in this process; early stopping is then applied to each trial's evaluations after it ran (the same
        records, without the time saved). --cluster and --cluster-wait may be given again with --resume.
        """);

    /// <summary>The option names (without dashes).</summary>
    public static string[] OptionNames => Table.OptionNames;


    public static int Run(ArgumentReader args, IAnsiConsole console, CancellationToken cancellationToken)
    {
        using var folderLock = new RunLock();
        string? resume = args.String(Resume);
        JsonArray? points = null;
        if (resume is not null)
        {
            args.EnsureOnly([Resume.Name, Parallel.Name, .. ClusterOption.OptionNames], "--resume");
            if (!Directory.Exists(resume)) throw new UsageException($"--resume '{resume}' does not exist; give the --out folder of a tune.");
            folderLock.Acquire(resume, "--resume");
            string? parallelOverride = args.String(Parallel.Name);
            string[] clusterArguments = args.ToArguments(Resume.Name, Parallel.Name); // --cluster and --cluster-wait: how to run, not what
            var (arguments, savedPoints) = LoadRun(resume);
            points = savedPoints;
            args = new ArgumentReader("tune", [.. arguments, .. parallelOverride is null ? [] : new[] { "--" + Parallel.Name, parallelOverride }, .. clusterArguments], OptionNames);
        }
        var environment = EnvironmentSettings.Parse(args);
        string method = args.String(Method)!;
        string tunerName = args.String(Tuner)!;
        string objectiveName = args.String(Objective)!;
        int trials = args.Int(Trials);
        double maxSeconds = args.Has(MaxSeconds) ? args.Double(MaxSeconds) : double.PositiveInfinity;
        int seed = args.Int(Seed);
        int iterations = args.Int(Iterations);
        int batchSize = args.Int(BatchSize);
        int evalEvery = args.Int(EvalEvery);
        int gridSteps = args.Int(GridSteps);
        int threads = args.Int(Threads);
        int round = args.Int(Round);
        int parallel = args.Has(Parallel) ? args.Int(Parallel) : Environment.ProcessorCount;
        if (args.Has(GridSteps) && tunerName != "grid") throw new UsageException($"--grid-steps applies to --tuner grid only; got --tuner {tunerName}.");
        var earlyStopping = ParseEarlyStopping(args);
        if (ClusterOption.Parse(args) is not null && args.Has(Threads)) // checked before anything is written
            throw new UsageException("--threads does not apply with --cluster: each silo slot trains with one torch thread.");
        var options = CreateOptions(method);
        options.Iterations = iterations;
        options.BatchSize = batchSize;
        options.EvalEvery = evalEvery;
        options.Threads = threads;
        var space = CreateSearchSpace(options, args.String(Exclude));
        if (resume is null && args.String(Points) is { } pointsFile) points = ReadPoints(pointsFile);
        var initialPoints = points is null ? [] : InitialPoints(points, space, resume is null ? $"--points {args.String(Points)}" : Path.Combine(resume, RunFileName));
        string outDir = resume ?? args.String(Out) ?? throw new UsageException("--out is required: the folder tune.json is written to.");
        environment.EnsureEncodable();
        if (resume is null)
        {
            OutputFolder.EnsureWritable(outDir);
            folderLock.Acquire(outDir, "--out");
            // A new tune: the state of an earlier one in this folder is not resumed.
            File.Delete(Path.Combine(outDir, "tune-state.json"));
            SaveRun(outDir, args.ToArguments([Out.Name, Parallel.Name, Points.Name, .. ClusterOption.OptionNames]), points);
        }

        TorchRuntime.Configure(threads);
        var env = environment.CreateEnvironment();
        options.Task = GFlowNetTask.Of(env);
        var experiment = new MLContext(seed).GFlowNet().Tuning.CreateExperiment(options)
            .SetSearchSpace(space).SetMaxTrials(trials).SetSeed(seed).SetTrialsPerRound(round).SetMaxConcurrentTrials(parallel)
            .SetEarlyStopping(earlyStopping).SetCheckpoint(outDir).SetInitialPoints(initialPoints)
            .SetObjective(objectiveName switch
            {
                "tv" => TuningObjective.TotalVariation,
                "logz" => TuningObjective.LogZError,
                "topk" => TuningObjective.NegativeTopKMeanReward,
                _ => TuningObjective.Default,
            });
        experiment = tunerName switch
        {
            "random" => experiment.SetRandomSearchTuner(),
            "grid" => experiment.SetGridSearchTuner(gridSteps),
            _ => experiment.SetCostFrugalTuner(),
        };
        if (double.IsFinite(maxSeconds)) experiment.SetTrainingTimeInSeconds(maxSeconds);
        using var cluster = ClusterTrials.Attach(args, experiment, env, console);
        string budget = double.IsFinite(maxSeconds) ? string.Create(CultureInfo.InvariantCulture, $" or {maxSeconds:G} s") : "";
        if (resume is not null) console.MarkupLineInterpolated($"Resuming the tune in {resume} (its options: {string.Join(" ", args.ToArguments())})");
        console.MarkupLineInterpolated($"[bold]Tuning {method}[/] on {env.Description} with {tunerName}: {trials} trials{budget} of {iterations} iterations, seed {seed}, training seed {experiment.TrainingSeed}");
        console.MarkupLineInterpolated($"Search space: {string.Join("; ", space.Dimensions.Select(d => d.ToString()))}");
        if (earlyStopping.Rule != EarlyStoppingRule.None)
            console.MarkupLineInterpolated($"Early stopping: {EarlyStoppingText(earlyStopping, evalEvery, iterations)}");
        if (initialPoints.Length > 0)
            console.MarkupLineInterpolated($"Initial points: {initialPoints.Length}, evaluated first (trials 0-{initialPoints.Length - 1}){(tunerName == "cfo" ? "; cfo starts from the best of them" : "")}");

        var result = experiment.Run(new SynchronousProgress<TuningTrial>(t => console.MarkupLineInterpolated(
            $"  trial {t.TrialId}: {MetricText(t)} in {t.Seconds.ToString("F1", CultureInfo.InvariantCulture)} s ({ValuesText(t.Values)}){(t.Error is null ? "" : " — " + t.Error)}{(t.IsInitialPoint ? " (initial point)" : "")}{(t.IsRestored ? " (restored)" : "")}")), cancellationToken);
        if (resume is not null)
            console.MarkupLineInterpolated($"Resumed: {result.Trials.Count(t => t.IsRestored)} trials restored from {Path.Combine(resume, "tune-state.json")}, {result.Trials.Count(t => !t.IsRestored)} trained now.");

        PrintLeaderboard(console, result, earlyStopping.Rule != EarlyStoppingRule.None);
        Write(outDir, result, space, env.Description, method, tunerName, seed, experiment.TrainingSeed, iterations, earlyStopping, evalEvery, initialPoints.Length);
        console.MarkupLineInterpolated($"Wrote {Path.Combine(outDir, FileName)}");
        if (result.StopReason == "cancelled")
        {
            console.MarkupLine("[yellow]Stopped early (cancelled).[/]");
            return 130;
        }
        if (result.BestTrial is null)
        {
            console.MarkupLine("[red]No trial succeeded.[/]");
            return 1;
        }
        return 0;
    }

    /// <summary>Writes tune-run.json: the tune's options (less --out and --parallel), for --resume.</summary>
    private static void SaveRun(string directory, string[] arguments, JsonArray? points)
    {
        var root = new JsonObject { ["format"] = RunFormat, ["arguments"] = new JsonArray(arguments.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()) };
        if (points is not null) root["points"] = points.DeepClone();
        string path = Path.Combine(directory, RunFileName), temporary = path + ".tmp";
        File.WriteAllText(temporary, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The options a tune in <paramref name="directory"/> was started with, and its --points (null for none).</summary>
    private static (string[] Arguments, JsonArray? Points) LoadRun(string directory)
    {
        string path = Path.Combine(directory, RunFileName);
        if (!File.Exists(path)) throw new UsageException($"--resume '{directory}' holds no {RunFileName}: it is not the --out folder of a gflownet tune.");
        try
        {
            var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            if (root["format"]?.GetValue<string>() != RunFormat) throw new FormatException($"it is not a gflownet tune's options (no \"format\": \"{RunFormat}\")");
            return (root["arguments"]!.AsArray().Select(a => a!.GetValue<string>()).ToArray(), root["points"]?.AsArray());
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NullReferenceException)
        {
            throw new InvalidDataException($"--resume '{directory}': {RunFileName} is corrupt ({e.Message.TrimEnd('.')}); the tune cannot be resumed.");
        }
    }

    /// <summary>The --points file: a JSON array of objects (one line of usage error where it is not).</summary>
    private static JsonArray ReadPoints(string file)
    {
        if (!File.Exists(file)) throw new UsageException($"--points '{file}' does not exist; give a JSON file holding an array of objects of option values, e.g. [{{\"LearningRate\": 0.001}}].");
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(file), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (node is not JsonArray array || array.Any(p => p is not JsonObject))
                throw new UsageException($"--points {file}: the file must hold a JSON array of objects of option values, e.g. [{{\"LearningRate\": 0.001}}].");
            return array;
        }
        catch (JsonException e)
        {
            throw new UsageException($"--points {file}: not valid JSON ({e.Message.TrimEnd('.')}).");
        }
    }

    /// <summary>The initial points of <paramref name="points"/>, each checked against <paramref name="space"/> (option names
    /// case-insensitive with dashes ignored; JSON numbers, Booleans and strings as the option's values).</summary>
    private static IReadOnlyDictionary<string, object>[] InitialPoints(JsonArray points, SearchSpace space, string source)
    {
        var result = new IReadOnlyDictionary<string, object>[points.Count];
        for (int i = 0; i < points.Count; i++)
        {
            var values = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var (name, node) in points[i]!.AsObject())
            {
                object? value = node?.GetValueKind() switch
                {
                    JsonValueKind.Number => node.AsValue().TryGetValue(out long l) ? l : node.AsValue().GetValue<double>(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.String => node.GetValue<string>(),
                    _ => null,
                };
                string key = space.Dimensions.FirstOrDefault(d => string.Equals(d.Name, name.Replace("-", ""), StringComparison.OrdinalIgnoreCase))?.Name ?? name;
                if (value is null)
                    throw new UsageException($"{source}: point {i}: '{name}' is {node?.ToJsonString() ?? "null"}; give a number, true/false or a string.");
                if (!values.TryAdd(key, value)) throw new UsageException($"{source}: point {i}: '{key}' is given twice.");
            }
            try { space.Point(values); }
            catch (ArgumentException e) { throw new UsageException($"{source}: point {i}: {e.Message}"); }
            result[i] = values;
        }
        return result;
    }

    /// <summary>--early-stopping and its settings; the settings are refused where the rule does not read them.</summary>
    private static EarlyStoppingOptions ParseEarlyStopping(ArgumentReader args)
    {
        string rule = args.String(EarlyStopping)!;
        if (rule == "none")
            foreach (var o in new[] { GracePeriod, ReductionFactor, Rungs })
                if (args.Has(o)) throw new UsageException($"--{o.Name} applies to --early-stopping median or asha only; got --early-stopping none.");
        if (rule == "median")
            foreach (var o in new[] { ReductionFactor, Rungs })
                if (args.Has(o)) throw new UsageException($"--{o.Name} applies to --early-stopping asha only; got --early-stopping median.");
        int? grace = args.Has(GracePeriod) ? args.Int(GracePeriod) : null;
        int factor = args.Int(ReductionFactor);
        int[]? rungs = null;
        if (args.String(Rungs) is { } raw)
        {
            var parts = raw.Split(',', StringSplitOptions.TrimEntries);
            rungs = new int[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, CultureInfo.InvariantCulture, out rungs[i]) || rungs[i] < 1 || (i > 0 && rungs[i] <= rungs[i - 1]))
                    throw new UsageException($"--rungs must be positive iteration counts in increasing order, separated by commas (e.g. 50,150); got '{raw}'.");
            if (args.Has(GracePeriod))
                throw new UsageException("--grace-period and --rungs cannot both be given: with --rungs the first rung is the grace period.");
            grace = rungs[0];
        }
        return new EarlyStoppingOptions
        {
            Rule = rule switch { "median" => EarlyStoppingRule.Median, "asha" => EarlyStoppingRule.Asha, _ => EarlyStoppingRule.None },
            GracePeriod = grace, ReductionFactor = factor, Rungs = rungs,
        };
    }

    private static string EarlyStoppingText(EarlyStoppingOptions options, int evalEvery, int iterations)
    {
        int grace = options.GraceFor(evalEvery);
        return options.Rule == EarlyStoppingRule.Median
            ? string.Create(CultureInfo.InvariantCulture, $"median from iteration {grace} (against at least {options.MinimumTrials} completed trials of earlier rounds)")
            : string.Create(CultureInfo.InvariantCulture, $"asha, rungs at {string.Join(", ", options.RungsBelow(iterations, evalEvery))} iterations, top 1/{options.ReductionFactor} go on (against trials of earlier rounds)");
    }

    private static GFlowNetSamplerOptions CreateOptions(string method) => method switch
    {
        "rl-u" => new PolicyGradientOptions { Variant = PolicyGradientVariant.Uniform },
        "rl-b" => new PolicyGradientOptions { Variant = PolicyGradientVariant.Backward },
        "rl-g" => new PolicyGradientOptions { Variant = PolicyGradientVariant.Guided },
        "rl-t" => new TrustRegionOptions(),
        "tb" => new TrajectoryBalanceOptions(),
        "db" => new DetailedBalanceOptions(),
        "subtb" => new SubTrajectoryBalanceOptions(),
        _ => new FlowMatchingOptions(),
    };

    /// <summary>The options' search space without Iterations (the budget) and the --exclude names (case-insensitive; dashes
    /// ignored, so learning-rate names LearningRate).</summary>
    private static SearchSpace CreateSearchSpace(GFlowNetSamplerOptions options, string? exclude)
    {
        var all = new SearchSpace(options.GetType());
        var names = new List<string> { nameof(GFlowNetSamplerOptions.Iterations) };
        foreach (var raw in (exclude ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var match = all.Dimensions.FirstOrDefault(d => string.Equals(d.Name, raw.Replace("-", ""), StringComparison.OrdinalIgnoreCase))
                ?? throw new UsageException($"--exclude: '{raw}' is not a tunable option of {options.GetType().Name}; tunable: {string.Join(", ", all.Dimensions.Select(d => d.Name))}.");
            names.Add(match.Name);
        }
        return new SearchSpace(options.GetType(), names);
    }

    private static string MetricText(TuningTrial t) => t.Status switch
    {
        TrialStatus.Succeeded => t.Metric.ToString("G6", CultureInfo.InvariantCulture),
        TrialStatus.Pruned => string.Create(CultureInfo.InvariantCulture, $"pruned at {t.Iterations}: {t.Metric:G6}"),
        _ => t.Status.ToString().ToLowerInvariant(),
    };

    private static string ValuesText(IReadOnlyDictionary<string, object> values)
        => string.Join(", ", values.Select(v => $"{v.Key}={(v.Value is double d ? d.ToString("G4", CultureInfo.InvariantCulture) : SearchDimension.Format(v.Value))}"));

    private static void PrintLeaderboard(IAnsiConsole console, TuningResult result, bool earlyStopping)
    {
        var table = new Table().AddColumn("rank").AddColumn("trial").AddColumn(new TableColumn(result.Objective).RightAligned())
            .AddColumn(new TableColumn("iterations").RightAligned()).AddColumn(new TableColumn("seconds").RightAligned()).AddColumn("options");
        int rank = 1;
        foreach (var t in result.Leaderboard)
            table.AddRow((rank++).ToString(CultureInfo.InvariantCulture), t.TrialId.ToString(CultureInfo.InvariantCulture), Markup.Escape(MetricText(t)),
                t.Iterations.ToString(CultureInfo.InvariantCulture), t.Seconds.ToString("F1", CultureInfo.InvariantCulture), Markup.Escape(ValuesText(t.Values)));
        console.Write(table);
        console.MarkupLineInterpolated($"{result.Trials.Count} trials in {result.Seconds.ToString("F1", CultureInfo.InvariantCulture)} s (stopped by the {result.StopReason}).");
        if (earlyStopping)
        {
            long full = result.IterationsRun + result.IterationsSaved;
            console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"Early stopping pruned {result.PrunedTrials} of {result.Trials.Count} trials: {result.IterationsRun} of {full} iterations run, {result.IterationsSaved} saved ({(full == 0 ? 0 : 100.0 * result.IterationsSaved / full):F0}%, about {result.SecondsSaved:F1} s of training).")));
        }
        if (result.BestTrial is { } best)
            console.MarkupLineInterpolated($"Best: trial {best.TrialId}, {result.Objective} {MetricText(best)} ({ValuesText(best.Values)})");
    }

    /// <summary>The early-stopping settings in force, as tune.json records them (the rule, then what it reads).</summary>
    private static JsonObject EarlyStoppingJson(EarlyStoppingOptions options, int iterations, int evalEvery)
    {
        var o = new JsonObject { ["rule"] = options.Rule.ToString().ToLowerInvariant() };
        if (options.Rule == EarlyStoppingRule.None) return o;
        o["gracePeriod"] = options.GraceFor(evalEvery);
        if (options.Rule == EarlyStoppingRule.Median) o["minimumTrials"] = options.MinimumTrials;
        else
        {
            o["reductionFactor"] = options.ReductionFactor;
            o["rungs"] = new JsonArray(options.RungsBelow(iterations, evalEvery).Select(r => (JsonNode?)JsonValue.Create(r)).ToArray());
        }
        return o;
    }

    /// <summary>Writes tune.json: the run, the search space, the best options and every trial (a metric that is not finite,
    /// as for a failed trial, is null).</summary>
    private static void Write(string directory, TuningResult result, SearchSpace space, string environment, string method, string tuner, int seed,
        long trainingSeed, int iterations, EarlyStoppingOptions earlyStopping, int evalEvery, int initialPoints)
    {
        static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
        static JsonNode? Value(object v) => v switch
        {
            int i => JsonValue.Create(i),
            long l => JsonValue.Create(l),
            float f => JsonValue.Create((double)f),
            double d => JsonValue.Create(d),
            bool b => JsonValue.Create(b),
            _ => JsonValue.Create(SearchDimension.Format(v)),
        };
        static JsonObject Values(IReadOnlyDictionary<string, object> values)
        {
            var o = new JsonObject();
            foreach (var (name, value) in values) o[name] = Value(value);
            return o;
        }
        var dimensions = new JsonArray();
        foreach (var d in space.Dimensions)
        {
            var o = new JsonObject { ["name"] = d.Name, ["kind"] = d.Kind.ToString().ToLowerInvariant(), ["default"] = Value(d.DefaultValue) };
            if (d.Kind == SearchDimensionKind.Range) { o["min"] = d.Min; o["max"] = d.Max; o["log"] = d.LogBase; }
            else o["choices"] = new JsonArray(d.Choices.Select(Value).ToArray());
            dimensions.Add(o);
        }
        var trials = new JsonArray();
        foreach (var t in result.Trials)
            trials.Add(new JsonObject
            {
                ["trial"] = t.TrialId, ["status"] = t.Status.ToString().ToLowerInvariant(), ["metric"] = Number(t.Metric), ["loss"] = Number(t.Loss),
                ["iterations"] = t.Iterations, ["seconds"] = t.Seconds, ["peakMemoryInMegaByte"] = Math.Round(t.PeakMemoryInMegaByte, 1), ["initialPoint"] = t.IsInitialPoint,
                ["options"] = Values(t.Values), ["parameter"] = new JsonArray(t.Parameter.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray()),
                ["error"] = t.Error,
            });
        var root = new JsonObject
        {
            ["environment"] = environment, ["method"] = method, ["tuner"] = tuner, ["objective"] = result.Objective, ["seed"] = seed,
            ["trainingSeed"] = trainingSeed, ["iterations"] = iterations, ["stopReason"] = result.StopReason, ["seconds"] = result.Seconds,
            ["searchSpace"] = dimensions,
            ["earlyStopping"] = EarlyStoppingJson(earlyStopping, iterations, evalEvery),
            ["iterationsRun"] = result.IterationsRun, ["iterationsSaved"] = result.IterationsSaved, ["secondsSaved"] = result.SecondsSaved,
            ["prunedTrials"] = result.PrunedTrials, ["initialPoints"] = initialPoints,
            ["succeededTrials"] = result.Trials.Count(t => t.Status == TrialStatus.Succeeded),
            ["failedTrials"] = result.Trials.Count(t => t.Status == TrialStatus.Failed),
            ["best"] = result.BestTrial is { } best
                ? new JsonObject { ["trial"] = best.TrialId, ["metric"] = Number(best.Metric), ["options"] = Values(best.Values) }
                : null,
            ["trials"] = trials,
        };
        File.WriteAllText(Path.Combine(directory, FileName), root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
