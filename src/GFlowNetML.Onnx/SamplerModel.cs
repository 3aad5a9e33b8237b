using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using GFlowNetML.Environments;
using GFlowNetML.Models;
using GFlowNetML.Onnx.Forms;
using GFlowNetML.Onnx.Graphs;
using GFlowNetML.Onnx.Proto;
using Google.Protobuf;

namespace GFlowNetML.Onnx;

/// <summary>
/// A sampler model file: one ONNX model (IR 8, opset 17) whose graph is the trained forward policy
/// (<c>features</c> float [batch, EncodingWidth], <c>mask</c> bool [batch, ActionCount] → <c>log_probabilities</c>
/// float [batch, ActionCount]: Gemm/ReLU layers, masked fill, log-softmax) and whose metadata properties describe the
/// environment (name, parameters, encoding, action meaning), the policy's layout and the training run
/// (<see cref="TrainingSummary"/>). Any ONNX tool can run the policy graph; GFlowNetML also builds the
/// whole-trajectory sampling graph (a Loop over the environment's ONNX step) from the same weights when it loads the
/// file, so the weights are stored once and one file is the whole sampler.
/// </summary>
public sealed class SamplerModel
{
    /// <summary>The sampler model format this GFlowNetML writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The name of the policy graph's feature input.</summary>
    public const string FeaturesInput = "features";

    /// <summary>The name of the policy graph's mask input.</summary>
    public const string MaskInput = "mask";

    /// <summary>The name of the policy graph's output.</summary>
    public const string LogProbabilitiesOutput = "log_probabilities";

    internal static class Keys
    {
        public const string FormatVersion = "gflownetml.format_version", Environment = "gflownetml.environment",
            Parameters = "gflownetml.environment.parameters", Description = "gflownetml.environment.description",
            StateWidth = "gflownetml.state_width", EncodingWidth = "gflownetml.encoding_width", ActionCount = "gflownetml.action_count",
            MaxTrajectoryLength = "gflownetml.max_trajectory_length", Encoding = "gflownetml.encoding", Actions = "gflownetml.actions",
            Policy = "gflownetml.policy", StepGraph = "gflownetml.step_graph", Training = "gflownetml.training",
            GraphHash = "gflownetml.graph_sha256";
    }

    private SamplerModel(byte[] bytes, IReadOnlyDictionary<string, string> metadata, PolicyWeights policy, string source)
    {
        Bytes = bytes;
        Metadata = metadata;
        Policy = policy;
        Source = source;
        string Get(string key) => metadata.TryGetValue(key, out var v) ? v : throw Invalid(source, $"its metadata lacks '{key}'");
        int Int(string key) => int.TryParse(Get(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0
            ? v : throw Invalid(source, $"its metadata '{key}' is not a positive integer ('{Get(key)}')");
        EnvironmentName = Get(Keys.Environment);
        EnvironmentDescription = Get(Keys.Description);
        StateWidth = Int(Keys.StateWidth);
        EncodingWidth = Int(Keys.EncodingWidth);
        ActionCount = Int(Keys.ActionCount);
        MaxTrajectoryLength = Int(Keys.MaxTrajectoryLength);
        Encoding = Get(Keys.Encoding);
        ActionMeaning = Get(Keys.Actions);
        StepGraph = metadata.TryGetValue(Keys.StepGraph, out var step) && step.Length > 0 ? step : null;
        try
        {
            EnvironmentParameters = JsonSerializer.Deserialize<Dictionary<string, string>>(Get(Keys.Parameters));
            Training = metadata.TryGetValue(Keys.Training, out var training) ? ParseTraining(training) : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw Invalid(source, $"its metadata does not parse: {e.Message}");
        }
        if (policy.InputWidth != EncodingWidth || policy.ActionCount != ActionCount)
            throw Invalid(source, $"its policy maps {policy.InputWidth} features to {policy.ActionCount} actions, but its metadata says {EncodingWidth} and {ActionCount}");
    }

    /// <summary>The file (or byte source) the model was read from, for messages.</summary>
    public string Source { get; }

    /// <summary>The whole model file.</summary>
    internal byte[] Bytes { get; }

    /// <summary>Every metadata property of the file.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The environment's name (see <see cref="EnvironmentCatalog"/>).</summary>
    public string EnvironmentName { get; }

    /// <summary>The environment's parameters, or null when it cannot be recreated from a description (a custom
    /// environment: pass the instance to <see cref="SamplerSession.Load(SamplerModel, SamplerSessionOptions?, GFlowNetEnvironment?)"/>).</summary>
    public IReadOnlyDictionary<string, string>? EnvironmentParameters { get; }

    /// <summary>The environment's one-line description, e.g. <c>hypergrid(ndim=2, height=8, r0=0.01, r1=0.5, r2=2)</c>.</summary>
    public string EnvironmentDescription { get; }

    /// <summary>The number of integers per state.</summary>
    public int StateWidth { get; }

    /// <summary>The width of the policy's input.</summary>
    public int EncodingWidth { get; }

    /// <summary>The number of forward actions, exit included (the last).</summary>
    public int ActionCount { get; }

    /// <summary>The longest trajectory, exit included.</summary>
    public int MaxTrajectoryLength { get; }

    /// <summary>How a state becomes the policy's features, in words.</summary>
    public string Encoding { get; }

    /// <summary>What each action does, in words.</summary>
    public string ActionMeaning { get; }

    /// <summary>The environment's ONNX step graph (e.g. <c>hypergrid-v1</c>), or null when only the host-driven loop can
    /// sample it.</summary>
    public string? StepGraph { get; }

    /// <summary>The trained forward policy.</summary>
    public PolicyWeights Policy { get; }

    /// <summary>How the policy was trained, or null when the file does not say.</summary>
    public TrainingSummary? Training { get; }

    /// <summary>Builds a sampler model for a policy trained on <paramref name="environment"/>.</summary>
    /// <param name="environment">The environment; its <see cref="GFlowNetEnvironment.Parameters"/> are stored so that a
    /// built-in environment is recreated on load.</param>
    /// <param name="policy">The forward policy (input width = EncodingWidth, outputs = ActionCount).</param>
    /// <param name="training">How it was trained, or null.</param>
    public static SamplerModel Create(GFlowNetEnvironment environment, PolicyWeights policy, TrainingSummary? training = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.InputWidth != environment.EncodingWidth)
            throw new ArgumentException($"The policy takes {policy.InputWidth} features but {environment.Description} encodes states as {environment.EncodingWidth}.", nameof(policy));
        if (policy.ActionCount != environment.ActionCount)
            throw new ArgumentException($"The policy gives {policy.ActionCount} logits but {environment.Description} has {environment.ActionCount} actions.", nameof(policy));

        var graph = new OnnxGraph("gflownetml_policy");
        PolicyGraph.AddWeights(graph, policy);
        graph.Input(FeaturesInput, OnnxType.Float, "batch", environment.EncodingWidth);
        graph.Input(MaskInput, OnnxType.Bool, "batch", environment.ActionCount);
        PolicyGraph.Emit(graph, policy, FeaturesInput, MaskInput, LogProbabilitiesOutput);
        graph.Output(LogProbabilitiesOutput, OnnxType.Float, "batch", environment.ActionCount);
        byte[] graphBytes = graph.ToProto().ToArray();

        var metadata = new List<KeyValuePair<string, string>>
        {
            new(Keys.FormatVersion, FormatVersion.ToString(CultureInfo.InvariantCulture)),
            new(Keys.Environment, environment.Name),
            new(Keys.Parameters, JsonSerializer.Serialize(environment.Parameters)),
            new(Keys.Description, environment.Description),
            new(Keys.StateWidth, Invariant(environment.StateWidth)),
            new(Keys.EncodingWidth, Invariant(environment.EncodingWidth)),
            new(Keys.ActionCount, Invariant(environment.ActionCount)),
            new(Keys.MaxTrajectoryLength, Invariant(environment.MaxTrajectoryLength)),
            new(Keys.Encoding, OnnxForms.EncodingText(environment)),
            new(Keys.Actions, OnnxForms.ActionText(environment)),
            new(Keys.Policy, PolicyJson(policy)),
            new(Keys.StepGraph, OnnxForms.For(environment)?.Name ?? ""),
        };
        if (training is not null) metadata.Add(new(Keys.Training, TrainingJson(training)));
        metadata.Add(new(Keys.GraphHash, Convert.ToHexStringLower(SHA256.HashData(graphBytes))));
        string doc = $"GFlowNetML forward policy for {environment.Description}: inputs '{FeaturesInput}' float[batch,{environment.EncodingWidth}] and "
            + $"'{MaskInput}' bool[batch,{environment.ActionCount}] (true = allowed), output '{LogProbabilitiesOutput}' float[batch,{environment.ActionCount}].";
        byte[] bytes = OnnxModelFile.Write(graphBytes, metadata, doc);
        return FromBytes(bytes, "(new model)");
    }

    /// <summary>Writes the model file.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        File.WriteAllBytes(path, Bytes);
    }

    /// <summary>The model file's bytes.</summary>
    public byte[] ToArray() => (byte[])Bytes.Clone();

    /// <summary>Reads a sampler model file.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is truncated or corrupt, is an ONNX model without GFlowNetML
    /// metadata, or has a newer format version.</exception>
    public static SamplerModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"No sampler model at '{path}'.", path);
        return FromBytes(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads a sampler model from the bytes of a file.</summary>
    /// <param name="bytes">The file's content.</param>
    /// <param name="source">A name for messages (a path).</param>
    public static SamplerModel FromBytes(byte[] bytes, string source = "(bytes)")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Dictionary<string, string> metadata;
        byte[]? graph;
        try { (metadata, graph) = OnnxModelFile.Read(bytes); }
        catch (InvalidProtocolBufferException e) { throw Invalid(source, $"it is not a valid ONNX model (truncated or corrupt: {e.Message})", e); }
        if (graph is null) throw Invalid(source, "it is not a valid ONNX model (it has no graph)");
        if (!metadata.TryGetValue(Keys.FormatVersion, out var versionText))
            throw Invalid(source, $"it is an ONNX model without GFlowNetML metadata ('{Keys.FormatVersion}' is missing); write sampler models with 'gflownet export' or SamplerModel.Create");
        if (!int.TryParse(versionText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int version) || version < 1)
            throw Invalid(source, $"its format version '{versionText}' is not a positive integer");
        if (version > FormatVersion)
            throw Invalid(source, $"it has sampler format version {version}; this GFlowNetML reads versions up to {FormatVersion} (update GFlowNetML)");
        if (!metadata.TryGetValue(Keys.GraphHash, out var hash) || !string.Equals(hash, Convert.ToHexStringLower(SHA256.HashData(graph)), StringComparison.Ordinal))
            throw Invalid(source, "it is corrupt (its graph does not match the SHA-256 recorded in its metadata)");
        PolicyWeights policy;
        try { policy = ReadPolicy(metadata, graph); }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidProtocolBufferException or KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
        {
            throw Invalid(source, $"its policy cannot be read: {e.Message}", e);
        }
        return new SamplerModel(bytes, metadata, policy, source);
    }

    /// <summary>Recreates the built-in environment the model was trained on (<see cref="EnvironmentCatalog.Create"/>).</summary>
    /// <exception cref="InvalidOperationException">The environment is not built in (pass its instance instead).</exception>
    public GFlowNetEnvironment CreateEnvironment()
    {
        if (EnvironmentParameters is null || !EnvironmentCatalog.Names.Contains(EnvironmentName))
            throw new InvalidOperationException($"The sampler model '{Source}' was trained on '{EnvironmentDescription}', which is not a built-in environment; pass the environment instance to SamplerSession.Load.");
        GFlowNetEnvironment environment;
        try { environment = EnvironmentCatalog.Create(EnvironmentName, EnvironmentParameters); }
        catch (ArgumentException e) { throw Invalid(Source, $"its environment cannot be recreated: {e.Message}", e); }
        if (!Describes(environment))
            throw Invalid(Source, $"its parameters recreate {environment.Description} (state width {environment.StateWidth}, {environment.ActionCount} actions, "
                + $"at most {environment.MaxTrajectoryLength} steps), but it describes {EnvironmentDescription} (state width {StateWidth}, {ActionCount} actions, at most {MaxTrajectoryLength} steps)");
        return environment;
    }

    /// <summary>Whether <paramref name="environment"/> is the one the model was trained on (name, description, shapes).</summary>
    internal bool Describes(GFlowNetEnvironment environment)
        => environment.Name == EnvironmentName && environment.Description == EnvironmentDescription && environment.StateWidth == StateWidth
            && environment.EncodingWidth == EncodingWidth && environment.ActionCount == ActionCount && environment.MaxTrajectoryLength == MaxTrajectoryLength;

    /// <summary>The whole-trajectory sampling model (ONNX bytes) for <paramref name="environment"/>, or null when the
    /// environment has no ONNX step graph.</summary>
    internal byte[]? TrajectoryModel(GFlowNetEnvironment environment)
    {
        var step = OnnxForms.For(environment);
        if (step is null) return null;
        var graph = TrajectoryGraph.Build(step, Policy, environment.StateWidth, environment.MaxTrajectoryLength);
        return OnnxModelFile.Write(graph, [new(Keys.StepGraph, step.Name)], $"GFlowNetML whole-trajectory sampler for {environment.Description}.");
    }

    private static PolicyWeights ReadPolicy(Dictionary<string, string> metadata, byte[] graph)
    {
        if (!metadata.TryGetValue(Keys.Policy, out var json)) throw new KeyNotFoundException($"the metadata lacks '{Keys.Policy}'");
        var node = JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("the policy description is empty");
        var sizes = Required(node, "sizes").AsArray().Select(n => (n ?? throw new JsonException("a size is null")).GetValue<int>()).ToArray();
        var activations = Required(node, "activations").AsArray().Select(n => Enum.Parse<LayerActivation>((n ?? throw new JsonException("an activation is null")).GetValue<string>(), ignoreCase: true)).ToArray();
        if (sizes.Length < 2 || activations.Length != sizes.Length - 1) throw new JsonException("the policy description's sizes and activations do not fit together");
        var tensors = OnnxModelFile.ReadFloatInitializers(graph);
        var layers = new DenseLayer[sizes.Length - 1];
        for (int l = 0; l < layers.Length; l++)
        {
            var (w, b) = PolicyGraph.WeightNames(l);
            if (!tensors.TryGetValue(w, out var weight) || !tensors.TryGetValue(b, out var bias))
                throw new KeyNotFoundException($"the graph lacks the initializers '{w}' and '{b}'");
            layers[l] = new DenseLayer(sizes[l], sizes[l + 1], weight.Values, bias.Values, activations[l]);
        }
        return new PolicyWeights(layers);
    }

    private static string PolicyJson(PolicyWeights policy) => new JsonObject
    {
        ["sizes"] = new JsonArray([.. new[] { policy.InputWidth }.Concat(policy.Layers.Select(l => l.Outputs)).Select(v => JsonValue.Create(v))]),
        ["activations"] = new JsonArray([.. policy.Layers.Select(l => JsonValue.Create(l.Activation.ToString().ToLowerInvariant()))]),
        ["masked_logit"] = PolicyGraph.MaskedLogit,
    }.ToJsonString();

    private static string TrainingJson(TrainingSummary t)
    {
        var final = new JsonObject();
        foreach (var (key, value) in t.FinalMetrics) if (double.IsFinite(value)) final[key] = value;
        return new JsonObject
        {
            ["method"] = t.Method, ["seed"] = t.Seed, ["iterations"] = t.Iterations, ["trajectories"] = t.Trajectories, ["final"] = final,
        }.ToJsonString();
    }

    private static TrainingSummary ParseTraining(string json)
    {
        var node = JsonNode.Parse(json)?.AsObject() ?? throw new JsonException("the training description is empty");
        var final = new Dictionary<string, double>(StringComparer.Ordinal);
        if (node["final"] is JsonObject f) foreach (var (key, value) in f) final[key] = (value ?? throw new JsonException($"final metric '{key}' is null")).GetValue<double>();
        return new TrainingSummary(Required(node, "method").GetValue<string>(), Required(node, "seed").GetValue<long>(), Required(node, "iterations").GetValue<long>(),
            Required(node, "trajectories").GetValue<long>(), final);
    }

    private static JsonNode Required(JsonObject node, string key)
        => node[key] ?? throw new JsonException($"'{key}' is missing");

    private static string Invariant(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static InvalidDataException Invalid(string source, string what, Exception? inner = null)
        => new($"'{source}' is not a usable GFlowNetML sampler model: {what}.", inner);
}
