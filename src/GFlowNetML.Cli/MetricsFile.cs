using System.Text.Json;
using System.Text.Json.Nodes;
using GFlowNetML.Evaluation;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Cli;

/// <summary>Writes <c>metrics.json</c>: <c>{"final": {…}, "history": [{…}, …]}</c> plus a description of the run.
/// <c>"evaluation"</c> says whether the metrics are exact (enumerable spaces: total variation, JSD) or sampled (top-k reward,
/// unique modes, diversity, under each record's <c>"sampled"</c>; the exact fields are then null). Each history record's
/// <c>"loss"</c> is the mean training loss (squared trajectory-balance residual) over the iterations since the previous record,
/// <c>"criticLoss"</c> the critic's mean regression loss for the policy-gradient methods (null where there is none).
/// <c>"status"</c> says how the run ended: completed, interrupted, diverged or failed (the last two with a <c>"failure"</c>
/// object: the iteration and the message).</summary>
internal static class MetricsFile
{
    public const string FileName = "metrics.json";

    /// <summary>The <c>"status"</c> values: how the run ended.</summary>
    public const string Completed = "completed", Interrupted = "interrupted";

    // extra: environment-specific sections added at the top level (e.g. the DAG task's edge marginals).
    public static void Write(string directory, TrainingResult result, string environment, TrainingMethod method, long seed, bool learnBackward = false, string? guide = null,
        IReadOnlyDictionary<string, JsonNode?>? extra = null, string status = Completed)
    {
        var f = result.Final;
        var root = new JsonObject
        {
            ["environment"] = environment,
            ["method"] = method.ToVariantName(learnBackward),
            ["learnedBackwardPolicy"] = learnBackward || method.AlwaysLearnsBackward(),
            ["guide"] = guide,
            ["seed"] = seed,
            ["completed"] = result.Completed,
            ["status"] = status,
            ["evaluation"] = f.IsExact ? "exact" : "sampled",
            ["final"] = new JsonObject
            {
                ["iteration"] = f.Iteration,
                ["exactTotalVariation"] = Number(f.ExactTotalVariation),
                ["jensenShannon"] = Number(f.JensenShannon),
                ["logZ"] = Number(f.LogZ),
                ["trueLogZ"] = Number(f.TrueLogZ),
                ["modesFound"] = f.ModesFound,
                ["trajectories"] = f.Trajectories,
                ["seconds"] = f.Seconds,
                ["sampled"] = Sampled(f.Sampled),
            },
            ["history"] = new JsonArray(result.History.Select(h => (JsonNode)new JsonObject
            {
                ["iteration"] = h.Iteration,
                ["trajectories"] = h.Trajectories,
                ["exactTotalVariation"] = Number(h.ExactTotalVariation),
                ["jensenShannon"] = Number(h.JensenShannon),
                ["logZ"] = Number(h.LogZ),
                ["modesFound"] = h.ModesFound,
                ["seconds"] = h.Seconds,
                ["loss"] = Number(h.MeanLoss),
                ["criticLoss"] = Number(h.MeanCriticLoss),
                ["sampled"] = Sampled(h.Sampled),
            }).ToArray()),
        };
        if (extra is not null) foreach (var (key, value) in extra) root[key] = value;
        string path = Path.Combine(directory, FileName), temporary = path + ".tmp";
        File.WriteAllText(temporary, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The sampled metrics of an evaluation on a space too large to enumerate; null for exact evaluations.</summary>
    private static JsonObject? Sampled(SampledMetrics? m) => m is null ? null : new JsonObject
    {
        ["samples"] = m.SampleCount,
        ["unique"] = m.UniqueCount,
        ["meanLogReward"] = Number(m.MeanLogReward),
        ["meanReward"] = Number(m.MeanReward),
        ["maxReward"] = Number(m.MaxReward),
        ["topK"] = m.TopK,
        ["topKMeanReward"] = Number(m.TopKMeanReward),
        ["uniqueModes"] = m.UniqueModes,
        ["diversity"] = Number(m.Diversity),
    };

    internal static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
