using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Cli.Compare;

/// <summary>
/// Writes <c>compare.json</c>: the environment and budget, then per method its runs (per seed: seconds, ms per
/// iteration, final metrics and the history of exact total variation, Jensen–Shannon divergence and |log Z − log Z*|
/// against trajectories) and a summary over the seeds. Written to a temporary file and renamed, as metrics.json is.
/// Non-finite numbers are written as null.
/// </summary>
internal static class CompareFile
{
    public const string FileName = "compare.json";

    public static void Write(CompareSettings settings, string environment, double trueLogZ, IReadOnlyList<MethodSummary> methods,
        int runsPlanned, bool completed)
    {
        var t = settings.Trainer;
        var root = new JsonObject
        {
            ["environment"] = environment,
            ["trueLogZ"] = Number(trueLogZ),
            ["iterations"] = t.Iterations,
            ["batchSize"] = t.BatchSize,
            ["trajectoryBudget"] = settings.TrajectoryBudget,
            ["evalEvery"] = t.EvalEvery,
            ["seeds"] = new JsonArray([.. settings.Seeds.Select(s => (JsonNode)s)]),
            ["threads"] = settings.Threads,
            ["parallel"] = settings.Parallel,
            ["networks"] = new JsonObject
            {
                ["hiddenLayers"] = t.PolicyHiddenLayers,
                ["hiddenWidth"] = t.PolicyHiddenWidth,
                ["criticLayers"] = t.CriticHiddenLayers,
                ["criticWidth"] = t.CriticHiddenWidth,
            },
            ["completed"] = completed,
            ["runsPlanned"] = runsPlanned,
            ["runsFinished"] = methods.Sum(m => m.Runs.Count),
            ["methods"] = new JsonArray([.. methods.Select(Method)]),
        };
        string path = Path.Combine(settings.OutDirectory, FileName), temporary = path + ".tmp";
        File.WriteAllText(temporary, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, path, overwrite: true);
    }

    private static JsonNode Method(MethodSummary m) => new JsonObject
    {
        ["name"] = m.Method.Name,
        ["learnedBackwardPolicy"] = m.Method.LearnBackward || m.Method.Method.AlwaysLearnsBackward(),
        ["runs"] = new JsonArray([.. m.Runs.Select(Run)]),
        ["summary"] = new JsonObject
        {
            ["seeds"] = m.Runs.Count,
            ["finalExactTotalVariation"] = Stat(m.FinalTotalVariation),
            ["finalJensenShannon"] = Stat(m.FinalJensenShannon),
            ["finalLogZError"] = Stat(m.FinalLogZError),
            ["msPerIteration"] = Stat(m.MsPerIteration),
            ["trajectoriesToTv"] = new JsonObject(MethodSummary.TotalVariationThresholds.Select(threshold =>
                new KeyValuePair<string, JsonNode?>(threshold.ToString(CultureInfo.InvariantCulture),
                    m.TrajectoriesToTotalVariation(threshold) is long n ? JsonValue.Create(n) : null))),
        },
    };

    private static JsonNode Run(FinishedRun r)
    {
        var f = r.Result.Final;
        return new JsonObject
        {
            ["seed"] = r.Run.Seed,
            ["seconds"] = r.Seconds,
            ["msPerIteration"] = Number(r.MsPerIteration),
            ["final"] = new JsonObject
            {
                ["iteration"] = f.Iteration,
                ["trajectories"] = f.Trajectories,
                ["exactTotalVariation"] = Number(f.ExactTotalVariation),
                ["jensenShannon"] = Number(f.JensenShannon),
                ["logZ"] = Number(f.LogZ),
                ["logZError"] = Number(MethodSummary.LogZError(f)),
                ["modesFound"] = f.ModesFound,
            },
            ["history"] = new JsonArray([.. r.Result.History.Select(History)]),
        };
    }

    private static JsonNode History(EvaluationRecord h) => new JsonObject
    {
        ["trajectories"] = h.Trajectories,
        ["iteration"] = h.Iteration,
        ["exactTotalVariation"] = Number(h.ExactTotalVariation),
        ["jensenShannon"] = Number(h.JensenShannon),
        ["logZError"] = Number(MethodSummary.LogZError(h)),
        ["seconds"] = h.Seconds,
    };

    private static JsonObject Stat(MeanStd s) => new() { ["mean"] = Number(s.Mean), ["std"] = Number(s.Std) };

    private static JsonNode? Number(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
}
