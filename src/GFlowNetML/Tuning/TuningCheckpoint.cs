using System.Text.Json;
using System.Text.Json.Nodes;

namespace GFlowNetML.Tuning;

/// <summary>
/// The state of a <see cref="GFlowNetExperiment"/> in its checkpoint folder (<see cref="FileName"/>): what identifies the
/// experiment (options type, search space, tuner, objective, seeds, round size, early stopping) and every finished trial
/// (succeeded, pruned or failed: point, status, metric, loss, iterations, evaluations, seconds, peak memory, error; the
/// loss and peak memory are optional on reading, so states written before they were recorded still resume). The tuner's state is not
/// stored: proposals are a deterministic function of the seed and the results told, so replaying the finished trials
/// through a fresh tuner rebuilds it, and each replayed proposal is checked against the recorded point. Written after
/// every finished trial to a temporary file that is then renamed over the state, so a kill at any moment leaves the previous
/// state or the new one, never a torn file.
/// </summary>
internal sealed class TuningCheckpoint
{
    /// <summary>The state file's name in the checkpoint folder.</summary>
    public const string FileName = "tune-state.json";

    private const string Format = "gflownetml-tune-state";
    private const int Version = 1;

    private readonly string _path;
    private readonly JsonObject _identity;
    private readonly SortedDictionary<int, TuningTrial> _trials = [];
    private readonly object _gate = new();

    private TuningCheckpoint(string path, JsonObject identity)
    {
        _path = path;
        _identity = identity;
    }

    /// <summary>The finished trials read from the folder (empty for a new experiment), by trial id.</summary>
    public IReadOnlyDictionary<int, TuningTrial> Restored { get; private set; } = new Dictionary<int, TuningTrial>();

    /// <summary>The state file's path in <paramref name="folder"/>.</summary>
    public static string PathIn(string folder) => Path.Combine(folder, FileName);

    /// <summary>Opens the checkpoint in <paramref name="folder"/> (created if missing): reads the finished trials of an earlier
    /// run of the same experiment, if any.</summary>
    /// <exception cref="InvalidDataException">The state file is corrupt or is not a tuning state.</exception>
    /// <exception cref="InvalidOperationException">The state belongs to another experiment (it names what differs).</exception>
    public static TuningCheckpoint Open(string folder, JsonObject identity, Func<int, double[], TrialStatus, double, double?, double, double, string?, long, TrialEvaluation[], TuningTrial> restore)
    {
        Directory.CreateDirectory(folder);
        var checkpoint = new TuningCheckpoint(PathIn(folder), identity);
        if (!File.Exists(checkpoint._path)) return checkpoint;
        var restored = new Dictionary<int, TuningTrial>();
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(checkpoint._path))?.AsObject() ?? throw new JsonException("the file holds null");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw checkpoint.Corrupt(e.Message);
        }
        JsonObject stored;
        try
        {
            if (root["format"]?.GetValue<string>() != Format) throw checkpoint.Corrupt($"it is not a GFlowNetML tuning state (no \"format\": \"{Format}\")");
            int version = root["version"]?.GetValue<int>() ?? 0;
            if (version != Version) throw checkpoint.Corrupt($"its version is {version}; this GFlowNetML reads version {Version}");
            stored = root["experiment"]?.AsObject() ?? throw checkpoint.Corrupt("it has no \"experiment\"");
        }
        catch (Exception e) when (IsMalformed(e))
        {
            throw checkpoint.Corrupt(e.Message);
        }
        foreach (var (key, value) in identity)
        {
            string want = value?.ToJsonString() ?? "null", got = stored[key]?.ToJsonString() ?? "missing";
            if (want != got)
                throw new InvalidOperationException($"The tuning state {checkpoint._path} belongs to another experiment: its {key} is {got}, this experiment's is {want}; resume it with the same settings or use another folder.");
        }
        try
        {
            foreach (var node in root["trials"]?.AsArray() ?? throw checkpoint.Corrupt("it has no \"trials\""))
            {
                var t = node?.AsObject() ?? throw checkpoint.Corrupt("a trial is null");
                int id = Field(t, "trial").GetValue<int>();
                var status = Enum.Parse<TrialStatus>(Field(t, "status").GetValue<string>(), ignoreCase: true);
                if (status == TrialStatus.Cancelled || !Enum.IsDefined(status)) throw checkpoint.Corrupt($"trial {id} has the status {status}, which is never stored");
                double[] parameter = Field(t, "parameter").AsArray().Select(p => p!.GetValue<double>()).ToArray();
                var evaluations = Field(t, "evaluations").AsArray().Select(e =>
                {
                    var a = e!.AsArray();
                    if (a.Count != 3) throw new FormatException($"an evaluation of trial {id} has {a.Count} fields, not 3");
                    return new TrialEvaluation(a[0]!.GetValue<long>(), ReadNumber(a[1]), a[2]!.GetValue<double>());
                }).ToArray();
                if (!restored.TryAdd(id, restore(id, parameter, status, ReadNumber(Field(t, "metric")), t["loss"] is { } loss ? ReadNumber(loss) : null,
                        Field(t, "seconds").GetValue<double>(), t["peakMemoryInMegaByte"]?.GetValue<double>() ?? 0,
                        t["error"]?.GetValue<string>(), Field(t, "iterations").GetValue<long>(), evaluations)))
                    throw checkpoint.Corrupt($"trial {id} is recorded twice");
            }
        }
        catch (Exception e) when (IsMalformed(e))
        {
            throw checkpoint.Corrupt(e.Message);
        }
        checkpoint.Restored = restored;
        foreach (var (id, trial) in restored) checkpoint._trials[id] = trial;
        return checkpoint;
    }

    /// <summary>Records a finished trial and rewrites the state atomically (safe from the trials' threads).</summary>
    public void Record(TuningTrial trial)
    {
        if (trial.Status == TrialStatus.Cancelled) return; // re-run on resume
        lock (_gate)
        {
            _trials[trial.TrialId] = trial;
            var trials = new JsonArray();
            foreach (var t in _trials.Values)
                trials.Add(new JsonObject
                {
                    ["trial"] = t.TrialId, ["status"] = t.Status.ToString().ToLowerInvariant(), ["metric"] = WriteNumber(t.Metric),
                    ["iterations"] = t.Iterations, ["seconds"] = t.Seconds, ["error"] = t.Error,
                    ["loss"] = WriteNumber(t.Loss), ["peakMemoryInMegaByte"] = t.PeakMemoryInMegaByte,
                    ["parameter"] = new JsonArray(t.Parameter.Select(p => (JsonNode?)JsonValue.Create(p)).ToArray()),
                    ["evaluations"] = new JsonArray(t.Evaluations.Select(e => (JsonNode?)new JsonArray(e.Iteration, WriteNumber(e.Metric), e.Seconds)).ToArray()),
                });
            var root = new JsonObject
            {
                ["format"] = Format, ["version"] = Version, ["experiment"] = _identity.DeepClone(), ["trials"] = trials,
            };
            string temporary = _path + ".tmp";
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true })) root.WriteTo(writer);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, _path, overwrite: true); // rename(2): atomic on one file system
        }
    }

    private static JsonNode Field(JsonObject o, string name) => o[name] ?? throw new FormatException($"a trial has no \"{name}\"");

    /// <summary>What a malformed (but parseable) state throws while it is read: wrong kinds of values, missing fields.</summary>
    private static bool IsMalformed(Exception e) => e is FormatException or InvalidOperationException or ArgumentException or JsonException or NullReferenceException;

    private InvalidDataException Corrupt(string reason)
        => new($"The tuning state {_path} is corrupt: {reason.TrimEnd('.')}. Delete it to start the tune over, or restore an intact copy.");

    /// <summary>A finite number as a JSON number; ±∞ and NaN as the strings "Infinity", "-Infinity" and "NaN".</summary>
    private static JsonNode WriteNumber(double value)
        => double.IsFinite(value) ? JsonValue.Create(value)
            : JsonValue.Create(double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "Infinity" : "-Infinity");

    private static double ReadNumber(JsonNode? node)
    {
        var value = node!.AsValue();
        if (value.TryGetValue(out double d)) return d;
        return value.GetValue<string>() switch
        {
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var s => throw new FormatException($"'{s}' is not a number"),
        };
    }
}
