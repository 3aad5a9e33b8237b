namespace GFlowNetML.Evaluation;

/// <summary>
/// One metric of a GFlowNet evaluation, with its three spellings: the key in a model's metadata (snake_case, as the
/// shipped models and their ONNX metadata store it), the name in JSON files (camelCase, as metrics.json, compare.json and
/// the checkpoint write it) and the words a table prints. <see cref="All"/> is the one list of them: every place that names
/// a metric takes its spelling from here.
/// </summary>
/// <param name="MetadataKey">The key in a model's training metadata (e.g. <c>exact_tv</c>); null where models do not store it.</param>
/// <param name="JsonName">The field name in JSON files (e.g. <c>exactTotalVariation</c>).</param>
/// <param name="Name">The words for it in full (e.g. <c>exact total variation</c>).</param>
/// <param name="Abbreviation">The short form of a table column (e.g. <c>exact TV</c>); <paramref name="Name"/> where there is none.</param>
/// <param name="Unit">Its unit (e.g. <c>nats</c>), or null for a number without one.</param>
public sealed record GFlowNetMetric(string? MetadataKey, string JsonName, string Name, string Abbreviation, string? Unit = null)
{
    /// <summary>The number of training iterations done at the evaluation.</summary>
    public static GFlowNetMetric Iteration { get; } = new("evaluated_at_iteration", "iteration", "iterations", "iterations");

    /// <summary>The number of forward trajectories sampled so far.</summary>
    public static GFlowNetMetric Trajectories { get; } = new(null, "trajectories", "trajectories", "trajectories");

    /// <summary>½·Σ|P_T(x) − R(x)/Z*| over the enumerated terminal states.</summary>
    public static GFlowNetMetric ExactTotalVariation { get; } = new("exact_tv", "exactTotalVariation", "exact total variation", "exact TV");

    /// <summary>The Jensen–Shannon divergence between P_T and R/Z*.</summary>
    public static GFlowNetMetric JensenShannon { get; } = new("jsd", "jensenShannon", "Jensen-Shannon", "JSD", "nats");

    /// <summary>The learned log Z.</summary>
    public static GFlowNetMetric LogZ { get; } = new("log_z", "logZ", "log Z", "log Z");

    /// <summary>The exact log Z*.</summary>
    public static GFlowNetMetric TrueLogZ { get; } = new("true_log_z", "trueLogZ", "true log Z", "log Z*");

    /// <summary>|log Z − log Z*|.</summary>
    public static GFlowNetMetric LogZError { get; } = new(null, "logZError", "|log Z - log Z*|", "|log Z - log Z*|");

    /// <summary>The number of distinct modes among the terminal states sampled so far.</summary>
    public static GFlowNetMetric ModesFound { get; } = new("modes_found", "modesFound", "modes found", "modes found");

    /// <summary>Wall-clock seconds of training so far.</summary>
    public static GFlowNetMetric Seconds { get; } = new(null, "seconds", "seconds", "seconds");

    /// <summary>The mean training loss (squared trajectory-balance residual) since the previous evaluation.</summary>
    public static GFlowNetMetric Loss { get; } = new(null, "loss", "loss", "loss");

    /// <summary>The critic's mean regression loss since the previous evaluation (policy-gradient methods).</summary>
    public static GFlowNetMetric CriticLoss { get; } = new(null, "criticLoss", "critic loss", "critic loss");

    /// <summary>The sampled metrics of an evaluation on a space too large to enumerate (an object of the metrics below).</summary>
    public static GFlowNetMetric Sampled { get; } = new(null, "sampled", "sampled", "sampled");

    /// <summary>The number of on-policy samples of a sampled evaluation.</summary>
    public static GFlowNetMetric SampleCount { get; } = new(null, "samples", "samples", "samples");

    /// <summary>The number of distinct objects among the samples.</summary>
    public static GFlowNetMetric UniqueCount { get; } = new(null, "unique", "unique samples", "unique");

    /// <summary>The mean log-reward of the samples.</summary>
    public static GFlowNetMetric MeanLogReward { get; } = new(null, "meanLogReward", "mean log reward", "mean log R");

    /// <summary>The mean reward of the samples.</summary>
    public static GFlowNetMetric MeanReward { get; } = new("sampled_mean_reward", "meanReward", "mean reward", "mean R");

    /// <summary>The largest reward sampled.</summary>
    public static GFlowNetMetric MaxReward { get; } = new(null, "maxReward", "max reward", "max R");

    /// <summary>The k of the top-k metrics.</summary>
    public static GFlowNetMetric TopK { get; } = new("sampled_top_k", "topK", "k", "k");

    /// <summary>The number of distinct samples the top-k metrics use: min(k, unique).</summary>
    public static GFlowNetMetric TopKCount { get; } = new(null, "topKCount", "top-k count", "top-k count");

    /// <summary>The mean reward of the k best distinct samples.</summary>
    public static GFlowNetMetric TopKMeanReward { get; } = new("sampled_top_k_mean_reward", "topKMeanReward", "top-k mean reward", "top-k mean R");

    /// <summary>The number of distinct modes among the samples.</summary>
    public static GFlowNetMetric UniqueModes { get; } = new("sampled_unique_modes", "uniqueModes", "unique modes in the sample", "unique modes");

    /// <summary>The mean pairwise Hamming distance of the k best distinct samples.</summary>
    public static GFlowNetMetric Diversity { get; } = new("sampled_diversity", "diversity", "diversity", "diversity");

    /// <summary>Every metric, in the order of an evaluation record.</summary>
    public static IReadOnlyList<GFlowNetMetric> All { get; } =
    [
        Iteration, Trajectories, ExactTotalVariation, JensenShannon, LogZ, TrueLogZ, LogZError, ModesFound, Seconds, Loss, CriticLoss,
        Sampled, SampleCount, UniqueCount, MeanLogReward, MeanReward, MaxReward, TopK, TopKCount, TopKMeanReward, UniqueModes, Diversity,
    ];

    /// <summary>The full label of a table row: <see cref="Name"/> and the unit in parentheses, e.g. <c>Jensen-Shannon (nats)</c>.</summary>
    public string Label => Unit is null ? Name : $"{Name} ({Unit})";

    /// <summary>The short label of a table column: <see cref="Abbreviation"/> and the unit in parentheses, e.g. <c>JSD (nats)</c>.</summary>
    public string ShortLabel => Unit is null ? Abbreviation : $"{Abbreviation} ({Unit})";
}
