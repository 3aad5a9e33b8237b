using System.Globalization;
using System.Text.Json;
using GFlowNetML.Environments;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Cluster;

/// <summary>
/// What a silo needs to train one run, and nothing of the program that submitted it: the environment's catalog name and
/// parameters (<see cref="GFlowNetEnvironment.Name"/>, <see cref="GFlowNetEnvironment.Parameters"/>, recreated through
/// <see cref="EnvironmentCatalog.Create"/>), the trainer's options as JSON, the seed, and a format version so that a silo
/// refuses a spec newer than it reads instead of misreading it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RunSpec
{
    /// <summary>The format version this build writes and the newest it reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The format version of this spec.</summary>
    [Id(0)] public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>A label for logs and progress, e.g. <c>rl-u seed 0</c>.</summary>
    [Id(1)] public required string Name { get; init; }

    /// <summary>The environment's catalog name (<see cref="EnvironmentCatalog.Names"/>).</summary>
    [Id(2)] public required string Environment { get; init; }

    /// <summary>The environment's parameters, as <see cref="GFlowNetEnvironment.Parameters"/> writes them.</summary>
    [Id(3)] public required IReadOnlyDictionary<string, string> EnvironmentParameters { get; init; }

    /// <summary>The trainer's options (<see cref="GFlowNetTrainerOptions"/>) as JSON; the seed is among them.</summary>
    [Id(4)] public required string TrainerOptions { get; init; }

    /// <summary>Every how many iterations the silo stores a checkpoint in grain storage (the point a run resumes from when
    /// its silo dies).</summary>
    [Id(5)] public int CheckpointEvery { get; init; } = DefaultCheckpointEvery;

    /// <summary>Whether the silo exports the trained forward policy as an ONNX sampler into the result.</summary>
    [Id(6)] public bool ExportSampler { get; init; }

    /// <summary>The default of <see cref="CheckpointEvery"/>.</summary>
    public const int DefaultCheckpointEvery = 50;

    /// <summary>A spec of a run of <paramref name="options"/> on <paramref name="environment"/>.</summary>
    /// <param name="name">The label for logs and progress.</param>
    /// <param name="environment">A built-in environment (one <see cref="EnvironmentCatalog"/> recreates).</param>
    /// <param name="options">The trainer's options, seed included; <see cref="GFlowNetTrainerOptions.CheckpointDirectory"/>
    /// and <see cref="GFlowNetTrainerOptions.CheckpointEvery"/> are the silo's business and are not sent.</param>
    /// <param name="checkpointEvery">Every how many iterations the run is checkpointed into grain storage (at least 1).</param>
    /// <param name="exportSampler">Whether the result carries the ONNX sampler.</param>
    /// <exception cref="ArgumentException">The environment has no catalog entry, or the options are invalid.</exception>
    public static RunSpec Create(string name, GFlowNetEnvironment environment, GFlowNetTrainerOptions options, int checkpointEvery = DefaultCheckpointEvery, bool exportSampler = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(checkpointEvery, 1);
        if (environment.Parameters is not { } parameters || !EnvironmentCatalog.Names.Contains(environment.Name))
            throw new ArgumentException($"The environment {environment.Description} cannot run on a cluster: a silo recreates environments from the built-in catalog ({string.Join(", ", EnvironmentCatalog.Names)}) by name and parameters.", nameof(environment));
        options.Validate();
        var sent = options.Clone();
        sent.CheckpointDirectory = null;
        sent.CheckpointEvery = 0;
        return new RunSpec
        {
            Name = name, Environment = environment.Name,
            EnvironmentParameters = new Dictionary<string, string>(parameters, StringComparer.Ordinal),
            TrainerOptions = JsonSerializer.Serialize(sent, ClusterJson.Options), CheckpointEvery = checkpointEvery, ExportSampler = exportSampler,
        };
    }

    /// <summary>The seed of the run (from the options).</summary>
    public long Seed => ReadOptions().Seed;

    /// <summary>Recreates the environment and options on a silo.</summary>
    /// <exception cref="RunSpecVersionException">The spec's format is newer than this build reads.</exception>
    /// <exception cref="ArgumentException">The environment or options do not read.</exception>
    internal (GFlowNetEnvironment Environment, GFlowNetTrainerOptions Options) Open()
    {
        if (FormatVersion > CurrentFormatVersion || FormatVersion < 1)
            throw new RunSpecVersionException(string.Create(CultureInfo.InvariantCulture,
                $"run '{Name}' has spec format version {FormatVersion}, which this silo (GFlowNetML {typeof(RunSpec).Assembly.GetName().Version}, spec format {CurrentFormatVersion}) cannot read; run the same GFlowNetML version on the silos as on the client."));
        var environment = EnvironmentCatalog.Create(Environment, EnvironmentParameters);
        var options = ReadOptions();
        options.Threads = 1; // one torch thread per run: a silo's slots are its cores
        return (environment, options);
    }

    private GFlowNetTrainerOptions ReadOptions()
    {
        try
        {
            return JsonSerializer.Deserialize<GFlowNetTrainerOptions>(TrainerOptions, ClusterJson.Options)
                ?? throw new ArgumentException($"run '{Name}': the trainer options are empty.");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"run '{Name}': the trainer options do not read ({e.Message}).", e);
        }
    }
}

/// <summary>A run spec's format is newer (or older) than this build reads.</summary>
public sealed class RunSpecVersionException(string message) : Exception(message);
