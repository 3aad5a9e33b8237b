using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Torch.Checkpoints;

/// <summary>
/// Everything a training run needs to continue exactly: options, environment description, iteration counters, ε, the
/// sampler's RNG state, the evaluation history, the modes found, every network's weights and every optimizer's state.
/// Stored as one file <c>checkpoint.gfn</c>: a magic tag, a format version, a JSON header, the tensors as raw
/// little-endian floats, and a SHA-256 of everything before it. It is written to a temporary file, flushed to disk,
/// then renamed over the old one, so a crash mid-write never leaves a corrupt checkpoint.
/// </summary>
internal sealed class TrainingCheckpoint
{
    public const string FileName = "checkpoint.gfn";
    /// <summary>2: the evaluation history under the metric vocabulary's JSON names (EvaluationRecordJson); version 1
    /// (the records' property names, MeanLoss, ...) is still read. An older GFlowNetML refuses version 2 instead of
    /// misreading it.</summary>
    public const int FormatVersion = 2;
    private static readonly byte[] Magic = "GFNCKPT\n"u8.ToArray();

    public required CheckpointHeader Header { get; init; }

    /// <summary>Named groups of float arrays: networks' parameters and optimizers' moments.</summary>
    public required Dictionary<string, float[][]> Tensors { get; init; }

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        string final = PathIn(directory), temporary = final + ".tmp";
        try
        {
            Write(temporary);
        }
        catch
        {
            // A full disk or an I/O error mid-write: the previous checkpoint stays as it was, and no partial file is left.
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
        File.Move(temporary, final, overwrite: true);
    }

    private void Write(string temporary)
    {
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using (var body = new MemoryStream())
            {
                using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
                {
                    w.Write(Magic);
                    w.Write(FormatVersion);
                    w.Write(JsonSerializer.Serialize(Header, CheckpointJson.Options));
                    w.Write(Tensors.Count);
                    foreach (var (name, arrays) in Tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    {
                        w.Write(name);
                        w.Write(arrays.Length);
                        foreach (var a in arrays)
                        {
                            w.Write(a.Length);
                            w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()));
                        }
                    }
                }
                hash.AppendData(body.GetBuffer(), 0, (int)body.Length);
                stream.Write(body.GetBuffer(), 0, (int)body.Length);
            }
            stream.Write(hash.GetHashAndReset());
            stream.Flush(flushToDisk: true);
        }
    }

    public static TrainingCheckpoint Load(string directory)
    {
        string path = PathIn(directory);
        if (!File.Exists(path)) throw new FileNotFoundException($"No checkpoint at '{path}'.", path);
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length + 4 + 32 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new InvalidDataException($"'{path}' is not a GFlowNetML checkpoint.");
        var stored = bytes.AsSpan(bytes.Length - 32);
        if (!SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).AsSpan().SequenceEqual(stored))
            throw new InvalidDataException($"The checkpoint '{path}' is corrupt (checksum mismatch).");
        try { return Parse(bytes, path); }
        catch (Exception e) when (e is JsonException or EndOfStreamException or IOException or ArgumentException or OverflowException)
        {
            throw new InvalidDataException($"The checkpoint '{path}' is malformed: {e.Message}", e);
        }
    }

    private static TrainingCheckpoint Parse(byte[] bytes, string path)
    {
        using var r = new BinaryReader(new MemoryStream(bytes, 0, bytes.Length - 32), Encoding.UTF8);
        r.ReadBytes(Magic.Length);
        int version = r.ReadInt32();
        if (version > FormatVersion)
            throw new InvalidDataException($"The checkpoint '{path}' has format version {version}; this GFlowNetML reads versions up to {FormatVersion}.");
        var header = JsonSerializer.Deserialize<CheckpointHeader>(r.ReadString(), CheckpointJson.Options)
            ?? throw new InvalidDataException($"The checkpoint '{path}' has an empty header.");
        if (header.Options is null || header.Environment is null || header.History is null || header.ModesFound is null
            || header.OptimizerSteps is null || header.SamplerRandom is null)
            throw new InvalidDataException($"The checkpoint '{path}' is malformed: its header lacks one of Options, Environment, History, ModesFound, OptimizerSteps, SamplerRandom.");
        int groups = r.ReadInt32();
        var tensors = new Dictionary<string, float[][]>(groups);
        for (int g = 0; g < groups; g++)
        {
            string name = r.ReadString();
            var arrays = new float[r.ReadInt32()][];
            for (int i = 0; i < arrays.Length; i++)
            {
                arrays[i] = new float[r.ReadInt32()];
                r.Read(System.Runtime.InteropServices.MemoryMarshal.AsBytes(arrays[i].AsSpan()));
            }
            tensors[name] = arrays;
        }
        return new TrainingCheckpoint { Header = header, Tensors = tensors };
    }
}

/// <summary>The JSON part of a checkpoint.</summary>
internal sealed class CheckpointHeader
{
    public required GFlowNetTrainerOptions Options { get; init; }
    public required string Environment { get; init; }
    public required long Iteration { get; init; }
    public required long Trajectories { get; init; }
    public required double Epsilon { get; init; }
    public required ulong[] SamplerRandom { get; init; }
    public required double Seconds { get; init; }
    public required List<EvaluationRecord> History { get; init; }
    public required List<int[]> ModesFound { get; init; }
    public required Dictionary<string, long> OptimizerSteps { get; init; }
    /// <summary>The losses summed since the last recorded evaluation (absent in older checkpoints: none).</summary>
    public LossAccumulator Losses { get; init; }
}

internal static class CheckpointJson
{
    public static readonly JsonSerializerOptions Options = Create(new EvaluationRecordConverter());

    /// <summary>The options of checkpoints written before the evaluation records took <see cref="EvaluationRecordJson"/>'s
    /// form (their records' fields are the record's property names, e.g. <c>MeanLoss</c>); read only.</summary>
    private static readonly JsonSerializerOptions PropertyNamed = Create();

    private static JsonSerializerOptions Create(params System.Text.Json.Serialization.JsonConverter[] converters)
    {
        var options = new JsonSerializerOptions
        {
            WriteIndented = false,
            // Sampled evaluations carry NaN in their exact fields (and log Z* is NaN where it is unknown).
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
            Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
        };
        foreach (var c in converters) options.Converters.Add(c);
        return options;
    }

    /// <summary>The history's records in <see cref="EvaluationRecordJson"/>'s form, every double exact; reads the
    /// property-named records of earlier checkpoints too.</summary>
    private sealed class EvaluationRecordConverter : System.Text.Json.Serialization.JsonConverter<EvaluationRecord>
    {
        public override EvaluationRecord Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var o = System.Text.Json.Nodes.JsonNode.Parse(ref reader) as System.Text.Json.Nodes.JsonObject
                ?? throw new JsonException("a History record is not an object");
            if (o.ContainsKey(nameof(EvaluationRecord.Iteration)))
                return o.Deserialize<EvaluationRecord>(PropertyNamed) ?? throw new JsonException("a History record is null");
            try { return EvaluationRecordJson.Read(o, "History", trueLogZ: null, seconds: null); }
            catch (InvalidDataException e) { throw new JsonException(e.Message); }
        }

        public override void Write(Utf8JsonWriter writer, EvaluationRecord value, JsonSerializerOptions options)
            => EvaluationRecordJson.Write(value, exact: true).WriteTo(writer);
    }
}
