using System.Text.Json;
using System.Text.Json.Nodes;
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

    /// <summary>The environment options (shared with <c>compare</c>); run.json keeps them as the "Environment" object.</summary>
    public required EnvironmentSettings Environment { get; init; }

    public int Threads { get; set; } = 1;
    /// <summary>The trainer's options: the command line's for a new run; after <see cref="Load"/> only the run's identity
    /// (method, backward policy, seed), since a resumed run trains with its checkpoint's options, the one copy that counts.</summary>
    public GFlowNetTrainerOptions Trainer { get; set; } = new();

    /// <summary>The command-line option of a <see cref="GFlowNetTrainerOptions"/> property a message names (e.g.
    /// <c>PolicyLearningRate</c> → <c>--lr</c>); the property name itself where the CLI has none.</summary>
    public static string OptionFor(string property) => TrainOptions.Properties.TryGetValue(property, out var o) ? "--" + o.Name : property;

    /// <summary><paramref name="message"/> with the option property names it mentions written as command-line options.</summary>
    public static string InCliTerms(string message)
    {
        foreach (var property in typeof(GFlowNetTrainerOptions).GetProperties().Select(p => p.Name).OrderByDescending(n => n.Length))
            if (OptionFor(property) is var option && option != property)
                message = System.Text.RegularExpressions.Regex.Replace(message, $@"\b{property}\b", option);
        return message;
    }

    public static TrainSettings Parse(ArgumentReader a)
    {
        var s = new TrainSettings { Environment = EnvironmentSettings.Parse(a) };
        s.Threads = a.Int(TrainOptions.Threads);
        var t = s.Trainer;
        t.Threads = s.Threads;
        t.Method = TrainingMethodNames.Parse(a.String(TrainOptions.Method)!);
        t.Iterations = a.Int(TrainOptions.Iterations);
        t.BatchSize = a.Int(TrainOptions.BatchSize);
        t.Seed = a.Long(TrainOptions.Seed);
        t.EvalEvery = a.Int(TrainOptions.EvalEvery);
        t.CheckpointEvery = a.Int(TrainOptions.CheckpointEvery);
        t.EvalSamples = a.Int(TrainOptions.EvalSamples);
        t.TopK = a.Int(TrainOptions.TopK);
        t.PolicyLearningRate = a.Double(TrainOptions.LearningRate);
        t.LogZLearningRate = a.Double(TrainOptions.LogZLearningRate);
        t.CriticLearningRate = a.Double(TrainOptions.CriticLearningRate);
        t.Lambda = a.Double(TrainOptions.Lambda);
        t.EpsilonStart = a.Double(TrainOptions.EpsilonStart);
        t.EpsilonEnd = a.Double(TrainOptions.EpsilonEnd with { Maximum = t.EpsilonStart });
        t.EpsilonDecay = a.Double(TrainOptions.EpsilonDecay);
        ParseNetworks(a, t);
        t.LogRewardClamp = a.Double(TrainOptions.LogRewardClamp);
        t.BackwardLambda = a.Double(TrainOptions.BackwardLambda);
        t.SubTrajectoryLambda = a.Double(TrainOptions.SubTrajectoryLambda);
        t.TrustRegionDelta = a.Double(TrainOptions.TrustRegionDelta);
        t.ConjugateGradientIterations = a.Int(TrainOptions.ConjugateGradientIterations);
        t.LineSearchSteps = a.Int(TrainOptions.LineSearchSteps);
        t.LearnBackwardPolicy = a.Flag(TrainOptions.LearnBackward);
        if (t.LearnBackwardPolicy && !t.Method.AllowsLearnedBackward())
            throw new UsageException($"--{TrainOptions.LearnBackward.Name} is not available for --method {t.Method.ToName()}; allowed with: rl-b, rl-g, rl-t, tb, db, subtb (use rl-b for RL-U with a learned backward policy).");
        if (t.EpsilonStart > 0 && t.Method.IsPolicyGradient())
            throw new UsageException($"--{TrainOptions.EpsilonStart.Name} must be 0 for --method {t.Method.ToName()} (policy-gradient methods sample strictly on-policy); got '{a.String(TrainOptions.EpsilonStart.Name)}'.");
        s.Environment.EnsureEncodable();
        s.Environment.EnsureGuideFor([t.Method]);
        return s;
    }

    /// <summary>Reads the network sizes (<see cref="TrainOptions.Networks"/>, shared with <c>compare</c>) into <paramref name="t"/>.</summary>
    public static void ParseNetworks(ArgumentReader a, GFlowNetTrainerOptions t)
    {
        t.PolicyHiddenLayers = a.Int(TrainOptions.HiddenLayers);
        t.PolicyHiddenWidth = a.Int(TrainOptions.HiddenWidth);
        t.CriticHiddenLayers = a.Int(TrainOptions.CriticLayers);
        t.CriticHiddenWidth = a.Int(TrainOptions.CriticWidth);
    }

    public GFlowNetEnvironment CreateEnvironment() => Environment.CreateEnvironment();

    /// <summary>Writes run.json: <c>{"Environment": {"Env": …, "Parameters": {…}}, "Threads": …, "Trainer": {…}}</c>, the
    /// environment with the chosen environment's parameters only.</summary>
    public void Save(string directory)
    {
        var root = new JsonObject
        {
            ["Environment"] = Environment.ToJson(),
            ["Threads"] = Threads,
            ["Trainer"] = JsonSerializer.SerializeToNode(Trainer, Json),
        };
        File.WriteAllText(Path.Combine(directory, FileName), root.ToJsonString(Json));
    }

    /// <summary>Reads run.json (this form, or the one written before the environment's parameters were declared once),
    /// validated like the command line before anything reaches a native library: an edited run.json must not abort
    /// libtorch (a thread count of -3) or pick an environment it does not name. Messages name the field and the allowed values.</summary>
    public static TrainSettings Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new UsageException($"--resume '{directory}' holds no {FileName}; pass the --out folder of a run started with --checkpoint-every.");
        string where = $"--resume '{directory}': {FileName}";
        JsonObject root;
        try { root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new UsageException($"--resume '{directory}': {FileName} is empty."); }
        catch (JsonException e) { throw new UsageException($"--resume '{directory}': {FileName} is not valid: {e.Message}"); }
        if (root["Threads"] is not JsonValue threadsValue || !threadsValue.TryGetValue(out int threads))
            throw new UsageException($"{where} has no integer Threads; it must be in 1..256 (as --threads).");
        if (threads is < 1 or > 256)
            throw new UsageException($"{where} has Threads {threads}; it must be in 1..256 (as --threads).");
        if (root["Environment"] is not JsonObject environment) throw new UsageException($"{where} has no environment.");
        var settings = EnvironmentSettings.FromJson(environment, where);
        return new TrainSettings { Environment = settings, Threads = threads, Trainer = Identity(root["Trainer"], where) };
    }

    /// <summary>The run's identity in run.json's Trainer (its method, backward policy and seed), the one part of that copy a
    /// resume reads: the checkpoint's options are the run's, and run.json's are the record of how it started, compared with
    /// them only to refuse a folder that mixes two runs.</summary>
    private static GFlowNetTrainerOptions Identity(JsonNode? node, string where)
    {
        if (node is not JsonObject trainer) throw new UsageException($"{where} has no Trainer options.");
        if (trainer["Method"] is not JsonValue m || m.GetValueKind() != JsonValueKind.String
            || !Enum.TryParse(m.GetValue<string>(), ignoreCase: false, out TrainingMethod method) || !Enum.IsDefined(method))
            throw new UsageException($"{where} has Trainer.Method {trainer["Method"]?.ToJsonString() ?? "null"}; it must be one of: {string.Join(", ", Enum.GetNames<TrainingMethod>())}.");
        if (trainer["Seed"] is not JsonValue seedValue || seedValue.GetValueKind() != JsonValueKind.Number || !seedValue.TryGetValue(out long seed))
            throw new UsageException($"{where} has Trainer.Seed {trainer["Seed"]?.ToJsonString() ?? "null"}; it must be an integer (as --seed).");
        bool learnBackward = trainer["LearnBackwardPolicy"] switch
        {
            null => false,
            JsonValue b when b.GetValueKind() is JsonValueKind.True or JsonValueKind.False => b.GetValue<bool>(),
            var other => throw new UsageException($"{where} has Trainer.LearnBackwardPolicy {other.ToJsonString()}; it must be true or false."),
        };
        return new GFlowNetTrainerOptions { Method = method, Seed = seed, LearnBackwardPolicy = learnBackward };
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };
}
