using System.Text.Json;
using System.Text.Json.Serialization;
using GFlowNetML.Environments;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Cli;

/// <summary>
/// What one <c>gflownet train</c> run was asked to do: the environment, the trainer options and the thread count.
/// Saved as <c>run.json</c> in the output folder so that <c>--resume DIR</c> can rebuild the same run.
/// </summary>
internal sealed class TrainSettings
{
    public const string FileName = "run.json";

    /// <summary>The environment options (shared with <c>compare</c>); run.json keeps them as the "environment" object.</summary>
    public EnvironmentSettings Environment { get; set; } = new();

    public int Threads { get; set; } = 1;
    public GFlowNetTrainerOptions Trainer { get; set; } = new();

    public static readonly string[] OptionNames =
    [
        .. EnvironmentSettings.OptionNames, "method", "iterations", "batch-size", "seed", "eval-every", "out",
        "checkpoint-every", "resume", "threads", "eval-samples", "top-k", "export", "lr", "lr-logz", "lr-critic", "lambda", "epsilon-start", "epsilon-end",
        "epsilon-decay", "hidden-layers", "hidden-width", "critic-layers", "critic-width", "log-reward-clamp",
        "backward-lambda", "subtb-lambda", "delta", "cg-iterations", "line-search-steps",
    ];

    /// <summary>The command-line option of a <see cref="GFlowNetTrainerOptions"/> property a message names (e.g.
    /// <c>PolicyLearningRate</c> → <c>--lr</c>); the property name itself where the CLI has none.</summary>
    public static string OptionFor(string property) => property switch
    {
        nameof(GFlowNetTrainerOptions.PolicyLearningRate) => "--lr",
        nameof(GFlowNetTrainerOptions.LogZLearningRate) => "--lr-logz",
        nameof(GFlowNetTrainerOptions.CriticLearningRate) => "--lr-critic",
        nameof(GFlowNetTrainerOptions.TrustRegionDelta) => "--delta",
        nameof(GFlowNetTrainerOptions.PolicyHiddenLayers) => "--hidden-layers",
        nameof(GFlowNetTrainerOptions.PolicyHiddenWidth) => "--hidden-width",
        nameof(GFlowNetTrainerOptions.CriticHiddenLayers) => "--critic-layers",
        nameof(GFlowNetTrainerOptions.CriticHiddenWidth) => "--critic-width",
        nameof(GFlowNetTrainerOptions.BatchSize) => "--batch-size",
        nameof(GFlowNetTrainerOptions.EvalSamples) => "--eval-samples",
        _ => property,
    };

    /// <summary><paramref name="message"/> with the option property names it mentions written as command-line options.</summary>
    public static string InCliTerms(string message)
    {
        foreach (var property in typeof(GFlowNetTrainerOptions).GetProperties().Select(p => p.Name).OrderByDescending(n => n.Length))
            if (OptionFor(property) is var option && option != property)
                message = System.Text.RegularExpressions.Regex.Replace(message, $@"\b{property}\b", option);
        return message;
    }

    /// <summary>The options of <c>train</c> that take no value.</summary>
    public static readonly IReadOnlySet<string> FlagNames = new HashSet<string> { "learn-backward", "plot", "force" };

    public static TrainSettings Parse(ArgumentReader a)
    {
        var s = new TrainSettings { Environment = EnvironmentSettings.Parse(a) };
        s.Threads = a.Int("threads", 1, 1, 256);
        var t = s.Trainer;
        t.Threads = s.Threads;
        string method = a.String("method", "rl-u");
        try { t.Method = TrainingMethodNames.Parse(method); }
        catch (ArgumentException) { throw new UsageException($"--method must be one of: {TrainingMethodNames.Allowed}; got '{method}'."); }
        t.Iterations = a.Int("iterations", 2000, 1);
        t.BatchSize = a.Int("batch-size", 128, 1, GFlowNetTrainerOptions.MaxBatchSize);
        t.Seed = a.Long("seed", 0);
        t.EvalEvery = a.Int("eval-every", 10, 1);
        t.CheckpointEvery = a.Int("checkpoint-every", 0, 0);
        t.EvalSamples = a.Int("eval-samples", t.EvalSamples, 1, 1_000_000);
        t.TopK = a.Int("top-k", t.TopK, 1, 1_000_000);
        t.PolicyLearningRate = a.Double("lr", t.PolicyLearningRate, 0, exclusiveMin: true);
        t.LogZLearningRate = a.Double("lr-logz", t.LogZLearningRate, 0, exclusiveMin: true);
        t.CriticLearningRate = a.Double("lr-critic", t.CriticLearningRate, 0, exclusiveMin: true);
        t.Lambda = a.Double("lambda", t.Lambda, 0, 1);
        t.EpsilonStart = a.Double("epsilon-start", t.EpsilonStart, 0, 1);
        t.EpsilonEnd = a.Double("epsilon-end", t.EpsilonEnd, 0, t.EpsilonStart);
        t.EpsilonDecay = a.Double("epsilon-decay", t.EpsilonDecay, 0, 1);
        ParseNetworks(a, t);
        t.LogRewardClamp = a.Double("log-reward-clamp", t.LogRewardClamp, double.MinValue);
        t.BackwardLambda = a.Double("backward-lambda", t.BackwardLambda, 0, 1);
        t.SubTrajectoryLambda = a.Double("subtb-lambda", t.SubTrajectoryLambda, 0, 1, exclusiveMin: true);
        t.TrustRegionDelta = a.Double("delta", t.TrustRegionDelta, 0, exclusiveMin: true);
        t.ConjugateGradientIterations = a.Int("cg-iterations", t.ConjugateGradientIterations, 1, 1000);
        t.LineSearchSteps = a.Int("line-search-steps", t.LineSearchSteps, 1, 100);
        t.LearnBackwardPolicy = a.Flag("learn-backward");
        if (t.LearnBackwardPolicy && !t.Method.AllowsLearnedBackward())
            throw new UsageException($"--learn-backward is not available for --method {t.Method.ToName()}; allowed with: rl-b, rl-g, rl-t, tb, db, subtb (use rl-b for RL-U with a learned backward policy).");
        if (t.EpsilonStart > 0 && t.Method.IsPolicyGradient())
            throw new UsageException($"--epsilon-start must be 0 for --method {t.Method.ToName()} (policy-gradient methods sample strictly on-policy); got '{a.String("epsilon-start")}'.");
        s.Environment.EnsureEncodable();
        s.Environment.EnsureGuideFor([t.Method]);
        return s;
    }

    /// <summary>The network-size options, shared with <c>compare</c>.</summary>
    public static readonly string[] NetworkOptionNames = ["hidden-layers", "hidden-width", "critic-layers", "critic-width"];

    /// <summary>Reads the <see cref="NetworkOptionNames"/> into <paramref name="t"/> (its values are the defaults).</summary>
    public static void ParseNetworks(ArgumentReader a, GFlowNetTrainerOptions t)
    {
        t.PolicyHiddenLayers = a.Int("hidden-layers", t.PolicyHiddenLayers, 0, 64);
        t.PolicyHiddenWidth = a.Int("hidden-width", t.PolicyHiddenWidth, 1, 1 << 16);
        t.CriticHiddenLayers = a.Int("critic-layers", t.CriticHiddenLayers, 0, 64);
        t.CriticHiddenWidth = a.Int("critic-width", t.CriticHiddenWidth, 1, 1 << 16);
    }

    public GFlowNetEnvironment CreateEnvironment() => Environment.CreateEnvironment();

    public void Save(string directory)
        => File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Json));

    public static TrainSettings Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new UsageException($"--resume '{directory}' holds no {FileName}; pass the --out folder of a run started with --checkpoint-every.");
        TrainSettings? settings;
        try { settings = JsonSerializer.Deserialize<TrainSettings>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new UsageException($"--resume '{directory}': {FileName} is not valid: {e.Message}"); }
        if (settings is null) throw new UsageException($"--resume '{directory}': {FileName} is empty.");
        // Validated like the command line before anything reaches a native library: an edited run.json must not abort
        // libtorch (a thread count of -3) or pick an environment it does not name.
        string where = $"--resume '{directory}': {FileName}";
        if (settings.Threads is < 1 or > 256)
            throw new UsageException($"{where} has Threads {settings.Threads}; it must be in 1..256 (as --threads).");
        if (settings.Environment is null) throw new UsageException($"{where} has no environment.");
        try
        {
            var reparsed = EnvironmentSettings.Parse(new ArgumentReader("train", settings.Environment.ToArguments(), EnvironmentSettings.OptionNames));
            if (reparsed.Env != settings.Environment.Env) throw new UsageException($"--env must be one of: {string.Join(", ", EnvironmentSettings.Kinds)}; got '{settings.Environment.Env}'.");
        }
        catch (UsageException e) { throw new UsageException($"{where} does not describe a valid environment: {e.Message}"); }
        return settings;
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };
}
