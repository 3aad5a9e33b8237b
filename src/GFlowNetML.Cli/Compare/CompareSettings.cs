using System.Globalization;
using GFlowNetML.Parameters;
using GFlowNetML.Torch.Training;
using static GFlowNetML.Parameters.ParameterDeclaration;

namespace GFlowNetML.Cli.Compare;

/// <summary>One entry of <c>--methods</c>: a training method with its backward-policy choice and its display name.</summary>
/// <param name="Name">The canonical variant name (<see cref="TrainingMethodNames.ToVariantName"/>), e.g. <c>tb-b</c>.</param>
/// <param name="Method">The training method.</param>
/// <param name="LearnBackward">Whether the backward policy is learned.</param>
internal sealed record MethodVariant(string Name, TrainingMethod Method, bool LearnBackward);

/// <summary>What one <c>gflownet compare</c> invocation was asked to do: the environment, the methods and seeds, the
/// trajectory budget and how to run (threads, concurrent runs).</summary>
internal sealed class CompareSettings
{
    public static readonly string DefaultMethods = string.Join(",", TrainOptions.MethodNames);

    public static readonly ParameterDeclaration MethodList = Text("methods", "LIST", $"the methods, comma-separated, from: {TrainingMethodNames.AllowedVariants} (-b: learned backward policy)") with { Default = DefaultMethods };
    public static readonly ParameterDeclaration SeedCount = Integer("seeds", 3, 1, 1000, "train each method with the seeds 0..N-1");
    public static readonly ParameterDeclaration SeedList = Text("seed-list", "0,5,7", "the seeds, comma-separated (instead of --seeds)");
    public static readonly ParameterDeclaration ParallelRuns = Integer("parallel", 1, 1, 256, "runs at a time, each on a thread of its own");
    public static readonly ParameterDeclaration Out = Text("out", "DIR", "the folder compare.json and compare.png are written to", noDefault: "required");
    public static readonly ParameterDeclaration Merge = Text("merge", "DIR1,DIR2,...", "combine comparisons run separately (with --out only)");

    /// <summary>The option table of <c>gflownet compare</c>.</summary>
    public static readonly OptionTable Table = new("compare",
    [
        .. EnvironmentSettings.Groups,
        new("Comparison:", [MethodList, SeedCount, SeedList, TrainOptions.Iterations, TrainOptions.BatchSize, TrainOptions.EvalEvery, TrainOptions.Threads, ParallelRuns]),
        new("Networks (every run):", TrainOptions.Networks),
        new("Output:", [Out, Merge]),
        ClusterOption.RunGroup,
    ]);

    /// <summary>The option names of the table (without dashes).</summary>
    public static string[] OptionNames => Table.OptionNames;

    public required EnvironmentSettings Environment { get; init; }
    public required IReadOnlyList<MethodVariant> Methods { get; init; }
    public required IReadOnlyList<long> Seeds { get; init; }

    /// <summary>The options every run shares (iterations, batch size, eval-every, network sizes); each run copies it
    /// and sets its method, backward-policy choice and seed (<see cref="OptionsFor"/>).</summary>
    public required GFlowNetTrainerOptions Trainer { get; init; }

    public required int Threads { get; init; }
    public required int Parallel { get; init; }
    public required string OutDirectory { get; init; }

    /// <summary>The cluster the runs are submitted to (<c>--cluster</c>), or null to run them in this process.</summary>
    public Cluster.ClusterConnection? Cluster { get; init; }

    /// <summary>With <see cref="Cluster"/>: every how many iterations a run is checkpointed into the cluster's storage.</summary>
    public int ClusterCheckpointEvery { get; init; } = GFlowNetML.Cluster.RunSpec.DefaultCheckpointEvery;

    /// <summary>With <see cref="Cluster"/>: how long the job waits when no silo answers (<c>--cluster-wait</c>, seconds).</summary>
    public int ClusterWaitSeconds { get; init; } = 120;

    /// <summary>The trajectories every run samples: iterations × batch size.</summary>
    public long TrajectoryBudget => (long)Trainer.Iterations * Trainer.BatchSize;

    /// <summary>The trainer options of one (method, seed) run.</summary>
    public GFlowNetTrainerOptions OptionsFor(MethodVariant method, long seed)
    {
        var options = Trainer.Clone();
        options.Method = method.Method;
        options.LearnBackwardPolicy = method.LearnBackward;
        options.Seed = seed;
        options.Threads = Threads;
        return options;
    }

    public static CompareSettings Parse(ArgumentReader a)
    {
        var environment = EnvironmentSettings.Parse(a);
        var methods = ParseMethods(a.String(MethodList)!);
        var seeds = ParseSeeds(a);
        var trainer = new GFlowNetTrainerOptions
        {
            Iterations = a.Int(TrainOptions.Iterations),
            BatchSize = a.Int(TrainOptions.BatchSize),
            EvalEvery = a.Int(TrainOptions.EvalEvery),
        };
        TrainSettings.ParseNetworks(a, trainer);
        int threads = a.Int(TrainOptions.Threads);
        int parallel = a.Int(ParallelRuns);
        environment.EnsureEncodable();
        environment.EnsureGuideFor(methods.Select(m => m.Method));
        string outDirectory = a.String(Out) ?? throw new UsageException("--out is required: the folder compare.json and compare.png are written to.");
        var cluster = ClusterOption.Parse(a);
        if (cluster is not null && (a.Has(TrainOptions.Threads) || a.Has(ParallelRuns)))
            throw new UsageException("--threads and --parallel do not apply with --cluster: each silo trains --slots runs at once, one torch thread each.");
        return new CompareSettings
        {
            Environment = environment, Methods = methods, Seeds = seeds, Trainer = trainer, Threads = threads, Parallel = parallel,
            OutDirectory = outDirectory, Cluster = cluster,
            ClusterCheckpointEvery = a.Int(ClusterOption.CheckpointEvery),
            ClusterWaitSeconds = a.Int(ClusterOption.ClusterWait),
        };
    }

    private static List<MethodVariant> ParseMethods(string raw)
    {
        string Message(string got) => $"--methods must be a comma-separated list of distinct names from: {TrainingMethodNames.AllowedVariants}; got {got}.";
        var methods = new List<MethodVariant>();
        foreach (string item in raw.Split(','))
        {
            string name = item.Trim();
            if (name.Length == 0) throw new UsageException(Message($"an empty name in '{raw}'"));
            (TrainingMethod method, bool learnBackward) variant;
            try { variant = TrainingMethodNames.ParseVariant(name); }
            catch (ArgumentException) { throw new UsageException(Message($"'{name}'")); }
            string canonical = variant.method.ToVariantName(variant.learnBackward);
            if (methods.Any(m => m.Name == canonical)) throw new UsageException(Message($"'{canonical}' twice"));
            methods.Add(new MethodVariant(canonical, variant.method, variant.learnBackward));
        }
        return methods;
    }

    private static List<long> ParseSeeds(ArgumentReader a)
    {
        string? list = a.String(SeedList);
        if (list is null) return [.. Enumerable.Range(0, a.Int(SeedCount)).Select(i => (long)i)];
        if (a.Has(SeedCount))
            throw new UsageException("--seeds and --seed-list cannot be used together; give --seeds N for seeds 0..N-1, or --seed-list with the seeds, e.g. 0,5,7.");
        var seeds = new List<long>();
        foreach (string item in list.Split(','))
        {
            if (!long.TryParse(item.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long seed) || seeds.Contains(seed))
                throw new UsageException($"--seed-list must be a comma-separated list of distinct integers, e.g. 0,5,7; got '{list}'.");
            seeds.Add(seed);
        }
        return seeds;
    }
}
