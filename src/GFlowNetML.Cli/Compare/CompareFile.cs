using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GFlowNetML.Evaluation;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Cli.Compare;

/// <summary>The network sizes every run of a comparison used.</summary>
internal sealed record CompareNetworks(int HiddenLayers, int HiddenWidth, int CriticLayers, int CriticWidth);

/// <summary>One input of a merged comparison (<c>compare --merge</c>): its folder and how its runs were made.</summary>
/// <param name="Directory">The input's folder (full path at the time of the merge).</param>
/// <param name="Threads">Its <c>--threads</c>.</param>
/// <param name="Parallel">Its <c>--parallel</c>.</param>
/// <param name="MergedFrom">The inputs of that input, when it was itself a merge.</param>
internal sealed record MergedInput(string Directory, int Threads, int Parallel, IReadOnlyList<MergedInput>? MergedFrom = null);

/// <summary>The settings-level part of <c>compare.json</c>: what every run of the comparison shares, and how many runs
/// were planned and finished.</summary>
internal sealed record CompareHeader
{
    public required string Environment { get; init; }

    /// <summary>log Z* of the environment: every |log Z − log Z*| of the file is taken against it.</summary>
    public required double TrueLogZ { get; init; }

    public required int Iterations { get; init; }
    public required int BatchSize { get; init; }
    public required int EvalEvery { get; init; }

    /// <summary>The planned seeds (in <c>--seeds</c>/<c>--seed-list</c> order; a merge's: the sorted union).</summary>
    public required IReadOnlyList<long> Seeds { get; init; }

    public required int Threads { get; init; }
    public required int Parallel { get; init; }
    public required CompareNetworks Networks { get; init; }
    public required bool Completed { get; init; }
    public required int RunsPlanned { get; init; }

    /// <summary>The inputs of a merged comparison; null for one made by a single <c>compare</c>.</summary>
    public IReadOnlyList<MergedInput>? MergedFrom { get; init; }

    /// <summary>The trajectories every run samples: iterations × batch size.</summary>
    public long TrajectoryBudget => (long)Iterations * BatchSize;

    public static CompareHeader Of(CompareSettings settings, string environment, double trueLogZ, int runsPlanned, bool completed)
    {
        var t = settings.Trainer;
        return new CompareHeader
        {
            Environment = environment, TrueLogZ = trueLogZ, Iterations = t.Iterations, BatchSize = t.BatchSize, EvalEvery = t.EvalEvery,
            Seeds = settings.Seeds, Threads = settings.Threads, Parallel = settings.Parallel,
            Networks = new CompareNetworks(t.PolicyHiddenLayers, t.PolicyHiddenWidth, t.CriticHiddenLayers, t.CriticHiddenWidth),
            Completed = completed, RunsPlanned = runsPlanned,
        };
    }
}

/// <summary>What a <c>compare.json</c> holds: its header, its methods in file order (with or without finished runs),
/// and its finished runs, method by method in file order.</summary>
internal sealed record CompareContents(CompareHeader Header, IReadOnlyList<MethodVariant> Methods, IReadOnlyList<FinishedRun> Runs);

/// <summary>
/// Writes and reads <c>compare.json</c>: the environment and budget, then per method its runs (per seed: seconds, ms per
/// iteration, final metrics and the history of exact total variation, Jensen–Shannon divergence, log Z,
/// |log Z − log Z*| and modes found against trajectories) and a summary over the seeds. Written to a temporary file and
/// renamed, as metrics.json is. Non-finite numbers are written as null (and read back as NaN). The file holds everything
/// its runs were made of, so <see cref="Read"/> followed by <see cref="Write"/> gives the same bytes.
/// </summary>
internal static class CompareFile
{
    public const string FileName = "compare.json";

    /// <summary>Writes <c>compare.json</c> into <paramref name="directory"/>. Every run's evaluations should carry
    /// <see cref="CompareHeader.TrueLogZ"/> (<see cref="FinishedRun.WithTrueLogZ"/>), so that the file has one log Z*.</summary>
    public static void Write(string directory, CompareHeader header, IReadOnlyList<MethodSummary> methods)
    {
        var root = new JsonObject
        {
            ["environment"] = header.Environment,
            ["trueLogZ"] = Number(header.TrueLogZ),
            ["iterations"] = header.Iterations,
            ["batchSize"] = header.BatchSize,
            ["trajectoryBudget"] = header.TrajectoryBudget,
            ["evalEvery"] = header.EvalEvery,
            ["seeds"] = new JsonArray([.. header.Seeds.Select(s => (JsonNode)s)]),
            ["threads"] = header.Threads,
            ["parallel"] = header.Parallel,
        };
        if (header.MergedFrom is { } inputs) root["mergedFrom"] = Inputs(inputs);
        root["networks"] = new JsonObject
        {
            ["hiddenLayers"] = header.Networks.HiddenLayers,
            ["hiddenWidth"] = header.Networks.HiddenWidth,
            ["criticLayers"] = header.Networks.CriticLayers,
            ["criticWidth"] = header.Networks.CriticWidth,
        };
        root["completed"] = header.Completed;
        root["runsPlanned"] = header.RunsPlanned;
        root["runsFinished"] = methods.Sum(m => m.Runs.Count);
        root["methods"] = new JsonArray([.. methods.Select(Method)]);

        string path = Path.Combine(directory, FileName), temporary = path + ".tmp";
        File.WriteAllText(temporary, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, path, overwrite: true);
    }

    private static JsonArray Inputs(IReadOnlyList<MergedInput> inputs) => new([.. inputs.Select(i =>
    {
        var o = new JsonObject { ["directory"] = i.Directory, ["threads"] = i.Threads, ["parallel"] = i.Parallel };
        if (i.MergedFrom is { } nested) o["mergedFrom"] = Inputs(nested);
        return (JsonNode)o;
    })]);

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
            ["seconds"] = Number(r.Seconds),
            ["msPerIteration"] = Number(r.MsPerIteration),
            ["final"] = WithLogZError(EvaluationRecordJson.Write(f), f),
            ["history"] = new JsonArray([.. r.Result.History.Select(History)]),
        };
    }

    private static JsonNode History(EvaluationRecord h) => WithLogZError(EvaluationRecordJson.Write(h), h);

    /// <summary>An evaluation's JSON with |log Z − log Z*| added (derived, not read back).</summary>
    private static JsonObject WithLogZError(JsonObject o, EvaluationRecord e)
    {
        o[GFlowNetMetric.LogZError.JsonName] = Number(MethodSummary.LogZError(e));
        return o;
    }

    private static JsonObject Stat(MeanStd s) => new() { ["mean"] = Number(s.Mean), ["std"] = Number(s.Std) };

    private static JsonNode? Number(double v) => EvaluationRecordJson.Number(v);

    /// <summary>
    /// Reads a <c>compare.json</c> written by <see cref="Write"/> back: its header and every finished run, with the
    /// <see cref="TrainingResult"/> it was written from (every evaluation's log Z* is the file's <c>trueLogZ</c>; null
    /// numbers become NaN; the run's wall-clock seconds become the final evaluation's). Values derived from others
    /// (<c>trajectoryBudget</c>, <c>runsFinished</c>, ms per iteration, |log Z − log Z*|, the summaries) are not read;
    /// <c>trajectoryBudget</c> and <c>runsFinished</c> are checked.
    /// </summary>
    /// <exception cref="InvalidDataException">The file cannot be read or is not such a file; the message names it and
    /// the first thing wrong, e.g. <c>methods[0].runs[1].history[3]: 'logZ' is missing</c>.</exception>
    public static CompareContents Read(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"'{path}' cannot be read: {e.Message}");
        }
        try
        {
            JsonNode? parsed;
            try { parsed = JsonNode.Parse(text); }
            catch (JsonException e) { throw new MalformedException($"it is not JSON ({e.Message})"); }
            return ReadRoot(parsed as JsonObject ?? throw new MalformedException("it is not a JSON object"));
        }
        catch (MalformedException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid {FileName}: {e.Message}.");
        }
    }

    private static CompareContents ReadRoot(JsonObject root)
    {
        double trueLogZ = ReadNumber(root, "trueLogZ", "");
        var networks = ReadObject(root, "networks", "");
        var seeds = ReadArray(root, "seeds", "");
        var header = new CompareHeader
        {
            Environment = ReadString(root, "environment", ""),
            TrueLogZ = trueLogZ,
            Iterations = ReadInt(root, "iterations", "", 1),
            BatchSize = ReadInt(root, "batchSize", "", 1),
            EvalEvery = ReadInt(root, "evalEvery", "", 1),
            Seeds = [.. seeds.Select((s, i) => Integer(s, $"seeds[{i}]"))],
            Threads = ReadInt(root, "threads", "", 1),
            Parallel = ReadInt(root, "parallel", "", 1),
            MergedFrom = root.ContainsKey("mergedFrom") ? ReadInputs(ReadArray(root, "mergedFrom", ""), "mergedFrom") : null,
            Networks = new CompareNetworks(ReadInt(networks, "hiddenLayers", "networks", 0), ReadInt(networks, "hiddenWidth", "networks", 1),
                ReadInt(networks, "criticLayers", "networks", 0), ReadInt(networks, "criticWidth", "networks", 1)),
            Completed = ReadBool(root, "completed", ""),
            RunsPlanned = ReadInt(root, "runsPlanned", "", 0),
        };
        long budget = ReadLong(root, "trajectoryBudget", "");
        if (budget != header.TrajectoryBudget)
            throw new MalformedException($"'trajectoryBudget' is {I(budget)}, not iterations × batchSize = {I(header.TrajectoryBudget)}");

        var methods = new List<MethodVariant>();
        var runs = new List<FinishedRun>();
        var methodNodes = ReadArray(root, "methods", "");
        for (int m = 0; m < methodNodes.Count; m++)
        {
            string where = $"methods[{m}]";
            var methodNode = methodNodes[m] as JsonObject ?? throw new MalformedException($"{where} is not an object");
            string name = ReadString(methodNode, "name", where);
            (TrainingMethod method, bool learnBackward) variant;
            try { variant = TrainingMethodNames.ParseVariant(name); }
            catch (ArgumentException) { throw new MalformedException($"{where}: 'name' is '{name}', not one of: {TrainingMethodNames.AllowedVariants}"); }
            var method = new MethodVariant(variant.method.ToVariantName(variant.learnBackward), variant.method, variant.learnBackward);
            if (methods.Any(x => x.Name == method.Name)) throw new MalformedException($"{where}: method '{method.Name}' appears twice");
            methods.Add(method);

            var runNodes = ReadArray(methodNode, "runs", where);
            var methodSeeds = new HashSet<long>();
            for (int r = 0; r < runNodes.Count; r++)
            {
                string at = $"{where}.runs[{r}]";
                var runNode = runNodes[r] as JsonObject ?? throw new MalformedException($"{at} is not an object");
                long seed = ReadLong(runNode, "seed", at);
                if (!methodSeeds.Add(seed)) throw new MalformedException($"{at}: {method.Name} seed {I(seed)} appears twice");
                var finalNode = ReadObject(runNode, "final", at);
                double seconds = ReadNumber(runNode, "seconds", at);
                var final = Evaluation(ReadObject(runNode, "final", at), $"{at}.final", trueLogZ, seconds);
                var historyNodes = ReadArray(runNode, "history", at);
                var history = new List<EvaluationRecord>(historyNodes.Count);
                for (int h = 0; h < historyNodes.Count; h++)
                {
                    string here = $"{at}.history[{h}]";
                    var e = historyNodes[h] as JsonObject ?? throw new MalformedException($"{here} is not an object");
                    if (!e.ContainsKey("logZ") || !e.ContainsKey("modesFound"))
                        throw new MalformedException($"{here}: '{(e.ContainsKey("logZ") ? "modesFound" : "logZ")}' is missing (written by a gflownet older than 'compare --merge', whose history records hold only logZError)");
                    history.Add(Evaluation(e, here, trueLogZ, seconds: null));
                }
                runs.Add(new FinishedRun(new PlannedRun(runs.Count, method, seed), new TrainingResult(final, history, Completed: true)));
            }
        }
        int finished = ReadInt(root, "runsFinished", "", 0);
        if (finished != runs.Count) throw new MalformedException($"'runsFinished' is {I(finished)}, but its methods hold {I(runs.Count)} runs");
        return new CompareContents(header, methods, runs);
    }

    /// <summary>An evaluation of the file: its log Z* is the file's, and a final record written before the records held
    /// their seconds takes the run's.</summary>
    private static EvaluationRecord Evaluation(JsonObject o, string where, double trueLogZ, double? seconds)
    {
        try { return EvaluationRecordJson.Read(o, where, trueLogZ, seconds) with { TrueLogZ = trueLogZ }; }
        catch (InvalidDataException e) { throw new MalformedException(e.Message); }
    }

    private static List<MergedInput> ReadInputs(JsonArray array, string where)
    {
        var inputs = new List<MergedInput>();
        for (int i = 0; i < array.Count; i++)
        {
            string at = $"{where}[{i}]";
            var o = array[i] as JsonObject ?? throw new MalformedException($"{at} is not an object");
            inputs.Add(new MergedInput(ReadString(o, "directory", at), ReadInt(o, "threads", at, 1), ReadInt(o, "parallel", at, 1),
                o.ContainsKey("mergedFrom") ? ReadInputs(ReadArray(o, "mergedFrom", at), $"{at}.mergedFrom") : null));
        }
        return inputs;
    }

    /// <summary>A compare.json that is not what <see cref="Write"/> writes; the message says what is wrong, and where.</summary>
    private sealed class MalformedException(string message) : Exception(message);

    private static JsonNode? Required(JsonObject o, string name, string where)
        => o.TryGetPropertyValue(name, out var node) ? node : throw new MalformedException($"{Where(where)}'{name}' is missing");

    private static string Where(string where) => where.Length == 0 ? "" : where + ": ";

    private static string Key(string where, string name) => where.Length == 0 ? name : $"{where}.{name}";

    private static JsonObject ReadObject(JsonObject o, string name, string where)
        => Required(o, name, where) as JsonObject ?? throw new MalformedException($"'{Key(where, name)}' is not an object");

    private static JsonArray ReadArray(JsonObject o, string name, string where)
        => Required(o, name, where) as JsonArray ?? throw new MalformedException($"'{Key(where, name)}' is not an array");

    private static string ReadString(JsonObject o, string name, string where)
        => Required(o, name, where) is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.TryGetValue(out string? s)
            ? s : throw new MalformedException($"'{Key(where, name)}' is not a string");

    private static bool ReadBool(JsonObject o, string name, string where)
        => Required(o, name, where) is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False
            ? v.GetValue<bool>() : throw new MalformedException($"'{Key(where, name)}' is not true or false");

    private static long ReadLong(JsonObject o, string name, string where) => Integer(Required(o, name, where), Key(where, name));

    private static int ReadInt(JsonObject o, string name, string where, int min)
    {
        long v = ReadLong(o, name, where);
        return v >= min && v <= int.MaxValue ? (int)v : throw new MalformedException($"'{Key(where, name)}' is {I(v)}, not an integer in {I(min)}..{I(int.MaxValue)}");
    }

    private static long Integer(JsonNode? node, string what)
        => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out long n)
            ? n : throw new MalformedException($"'{what}' is not an integer");

    /// <summary>A number; null (a non-finite value) reads as NaN.</summary>
    private static double ReadNumber(JsonObject o, string name, string where)
    {
        var node = Required(o, name, where);
        if (node is null) return double.NaN;
        return node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out double d)
            ? d : throw new MalformedException($"'{Key(where, name)}' is not a number or null");
    }

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
}
