using System.Text.Json;
using System.Text.Json.Nodes;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Cli;

/// <summary>Writes <c>metrics.json</c>: <c>{"final": {…}, "history": [{…}, …]}</c> plus a description of the run.</summary>
internal static class MetricsFile
{
    public const string FileName = "metrics.json";

    public static void Write(string directory, TrainingResult result, string environment, TrainingMethod method, long seed, bool learnBackward = false, string? guide = null)
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
            }).ToArray()),
        };
        string path = Path.Combine(directory, FileName), temporary = path + ".tmp";
        File.WriteAllText(temporary, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, path, overwrite: true);
    }

    private static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
