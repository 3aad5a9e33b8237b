using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using GFlowNetML.Evaluation;
using M = GFlowNetML.Evaluation.GFlowNetMetric;

namespace GFlowNetML.Torch.Training;

/// <summary>
/// The one JSON form of an <see cref="EvaluationRecord"/>, used by metrics.json, compare.json and the checkpoint header:
/// <c>{"iteration", "trajectories", "exactTotalVariation", "jensenShannon", "logZ", "trueLogZ", "modesFound", "seconds",
/// "loss", "criticLoss", "sampled": {"samples", "unique", "meanLogReward", "meanReward", "maxReward", "topK", "topKCount",
/// "topKMeanReward", "uniqueModes", "diversity"} or null}</c>, the names those of <see cref="GFlowNetMetric"/>.
/// A non-finite number is written as null (read back as NaN), or, where <c>exact</c> is asked for (the checkpoint), as the
/// string <c>"NaN"</c>, <c>"Infinity"</c> or <c>"-Infinity"</c>, so that every double reads back bit for bit.
/// </summary>
internal static class EvaluationRecordJson
{
    /// <summary>The JSON object of <paramref name="record"/>.</summary>
    /// <param name="record">The evaluation.</param>
    /// <param name="exact">Whether non-finite numbers are written as named literals (true) rather than null.</param>
    public static JsonObject Write(EvaluationRecord record, bool exact = false)
    {
        JsonNode? N(double v) => Number(v, exact);
        return new JsonObject
        {
            [M.Iteration.JsonName] = record.Iteration,
            [M.Trajectories.JsonName] = record.Trajectories,
            [M.ExactTotalVariation.JsonName] = N(record.ExactTotalVariation),
            [M.JensenShannon.JsonName] = N(record.JensenShannon),
            [M.LogZ.JsonName] = N(record.LogZ),
            [M.TrueLogZ.JsonName] = N(record.TrueLogZ),
            [M.ModesFound.JsonName] = record.ModesFound,
            [M.Seconds.JsonName] = N(record.Seconds),
            [M.Loss.JsonName] = N(record.MeanLoss),
            [M.CriticLoss.JsonName] = N(record.MeanCriticLoss),
            [M.Sampled.JsonName] = record.Sampled is { } s ? new JsonObject
            {
                [M.SampleCount.JsonName] = s.SampleCount,
                [M.UniqueCount.JsonName] = s.UniqueCount,
                [M.MeanLogReward.JsonName] = N(s.MeanLogReward),
                [M.MeanReward.JsonName] = N(s.MeanReward),
                [M.MaxReward.JsonName] = N(s.MaxReward),
                [M.TopK.JsonName] = s.TopK,
                [M.TopKCount.JsonName] = s.TopKCount,
                [M.TopKMeanReward.JsonName] = N(s.TopKMeanReward),
                [M.UniqueModes.JsonName] = s.UniqueModes,
                [M.Diversity.JsonName] = N(s.Diversity),
            } : null,
        };
    }

    /// <summary>A number as JSON: finite as itself; non-finite as null, or as its named literal where <paramref name="exact"/>.</summary>
    public static JsonNode? Number(double v, bool exact = false)
        => double.IsFinite(v) ? JsonValue.Create(v) : exact ? JsonValue.Create(v.ToString(CultureInfo.InvariantCulture)) : null;

    /// <summary>
    /// Reads an evaluation written by <see cref="Write"/>. <c>iteration</c>, <c>trajectories</c>, <c>exactTotalVariation</c>,
    /// <c>jensenShannon</c>, <c>logZ</c> and <c>modesFound</c> are required; <c>trueLogZ</c> and <c>seconds</c> default to
    /// <paramref name="trueLogZ"/> and <paramref name="seconds"/> where given (files that state them once elsewhere), the
    /// losses to NaN and <c>sampled</c> to null.
    /// </summary>
    /// <param name="o">The JSON object.</param>
    /// <param name="where">Where it stands, for the messages (e.g. <c>history[3]</c>).</param>
    /// <param name="trueLogZ">The log Z* of a record that does not state it; null: it must.</param>
    /// <param name="seconds">The seconds of a record that does not state them; null: it must.</param>
    /// <exception cref="InvalidDataException">A field is missing or not of its type; the message names it and <paramref name="where"/>,
    /// e.g. <c>history[3]: 'logZ' is missing</c>.</exception>
    public static EvaluationRecord Read(JsonObject o, string where, double? trueLogZ = null, double? seconds = null)
    {
        var sampledNode = o.TryGetPropertyValue(M.Sampled.JsonName, out var s) ? s : null;
        SampledMetrics? sampled = null;
        if (sampledNode is not null)
        {
            string at = $"{where}.{M.Sampled.JsonName}";
            var m = sampledNode as JsonObject ?? throw new InvalidDataException($"'{at}' is not an object or null");
            sampled = new SampledMetrics(Int(m, M.SampleCount.JsonName, at, 0), Int(m, M.UniqueCount.JsonName, at, 0),
                Double(m, M.MeanLogReward.JsonName, at), Double(m, M.MeanReward.JsonName, at), Double(m, M.MaxReward.JsonName, at),
                Int(m, M.TopK.JsonName, at, 0), Int(m, M.TopKCount.JsonName, at, 0), Double(m, M.TopKMeanReward.JsonName, at),
                Int(m, M.UniqueModes.JsonName, at, 0), Double(m, M.Diversity.JsonName, at));
        }
        return new EvaluationRecord(Long(o, M.Iteration.JsonName, where), Long(o, M.Trajectories.JsonName, where),
            Double(o, M.ExactTotalVariation.JsonName, where), Double(o, M.JensenShannon.JsonName, where), Double(o, M.LogZ.JsonName, where),
            Optional(o, M.TrueLogZ.JsonName, where, trueLogZ), Int(o, M.ModesFound.JsonName, where, 0),
            Optional(o, M.Seconds.JsonName, where, seconds), sampled,
            Optional(o, M.Loss.JsonName, where, double.NaN), Optional(o, M.CriticLoss.JsonName, where, double.NaN));
    }

    private static JsonNode? Required(JsonObject o, string name, string where)
        => o.TryGetPropertyValue(name, out var node) ? node : throw new InvalidDataException($"{where}: '{name}' is missing");

    private static long Long(JsonObject o, string name, string where)
        => Required(o, name, where) is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)
            ? n : throw new InvalidDataException($"'{where}.{name}' is not an integer");

    private static int Int(JsonObject o, string name, string where, int min)
    {
        long v = Long(o, name, where);
        return v >= min && v <= int.MaxValue ? (int)v
            : throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"'{where}.{name}' is {v}, not an integer in {min}..{int.MaxValue}"));
    }

    private static double Optional(JsonObject o, string name, string where, double? absent)
        => absent is { } value && !o.ContainsKey(name) ? value : Double(o, name, where);

    /// <summary>A number; null reads as NaN, and the named literals "NaN", "Infinity" and "-Infinity" as themselves.</summary>
    private static double Double(JsonObject o, string name, string where)
    {
        var node = Required(o, name, where);
        if (node is null) return double.NaN;
        if (node is JsonValue v)
        {
            // Parsed from the text, so that a number read from a file and one written in memory (an int, a long) read alike.
            if (v.GetValueKind() == JsonValueKind.Number && double.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
            if (v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is var text
                && (text is "NaN" or "Infinity" or "-Infinity")) return double.Parse(text, CultureInfo.InvariantCulture);
        }
        throw new InvalidDataException($"'{where}.{name}' is not a number or null");
    }
}
