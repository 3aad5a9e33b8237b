using System.Text.Json;
using System.Text.Json.Nodes;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Cli;

/// <summary>Writes <c>metrics.json</c>: <c>{"final": {…}, "history": [{…}, …]}</c> plus a description of the run; every
/// evaluation in the one JSON form of <see cref="EvaluationRecordJson"/>.
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
            ["final"] = EvaluationRecordJson.Write(f),
            ["history"] = new JsonArray([.. result.History.Select(h => (JsonNode)EvaluationRecordJson.Write(h))]),
        };
        if (extra is not null) foreach (var (key, value) in extra) root[key] = value;
        string path = Path.Combine(directory, FileName), temporary = path + ".tmp";
        File.WriteAllText(temporary, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, path, overwrite: true);
    }
}
