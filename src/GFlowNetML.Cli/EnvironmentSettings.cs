using System.Globalization;
using GFlowNetML.Environments;
using GFlowNetML.Rewards;

namespace GFlowNetML.Cli;

/// <summary>
/// The environment options shared by <c>gflownet train</c> and <c>gflownet compare</c>: <c>--env</c> and the options of
/// each built-in environment, with their defaults (the paper's default task of each), validation and messages. An option
/// of another environment than the chosen one is rejected, naming the environment it belongs to.
/// </summary>
internal sealed class EnvironmentSettings
{
    /// <summary>The built-in environments, in the order the messages list them.</summary>
    public static readonly string[] Kinds = ["hypergrid", "sequence", "qm9", "dag", "bitseq"];

    /// <summary>The options of each environment (without dashes).</summary>
    private static readonly Dictionary<string, string[]> OptionsOf = new(StringComparer.Ordinal)
    {
        ["hypergrid"] = ["ndim", "height", "r0", "r1", "r2"],
        ["sequence"] = ["tokens", "length", "action-model", "rewards", "alpha", "r-min", "max-reward", "mode-fraction", "mode-count", "alphabet", "motifs", "landscape-seed"],
        ["qm9"] = ["action-model", "alpha", "r-min", "max-reward"],
        ["dag"] = ["nodes", "edges", "samples", "noise", "data-seed", "data"],
        ["bitseq"] = ["bits", "word", "codebook", "temperature", "mode-radius", "codebook-seed"],
    };

    /// <summary>The option names (without dashes), in the order they are read, each once (qm9 shares sequence's).</summary>
    public static readonly string[] OptionNames = ["env", .. OptionsOf.Values.SelectMany(o => o).Distinct()];

    /// <summary>The environment options with their defaults, for the commands' help.</summary>
    public const string Help = """
          hypergrid: --ndim 2 --height 8 --r0 0.01 --r1 0.5 --r2 2
          sequence:  --tokens 4 --length 8 --action-model write-any-blank|append|prepend-or-append
                     [--rewards scores.csv | --motifs 4 --landscape-seed 0] --alpha 3 --r-min 0.001 --max-reward 10
                     --mode-fraction 0.005 [--mode-count N] [--alphabet ACGT]
          qm9:       the paper's QM9 table (shipped; 11 blocks, length 5, 805 modes) --action-model write-any-blank
                     --alpha 5 --r-min 0.001 --max-reward 10
          dag:       --nodes 5 [--data matrix.csv | --edges 5 --samples 100 --noise 0.1 --data-seed 0]
          bitseq:    --bits 120 --word 4 --codebook 60 --temperature 1 [--mode-radius 24] --codebook-seed 0
        """;

    public string Env { get; set; } = "hypergrid";

    // hypergrid
    public int Ndim { get; set; } = 2;
    public int Height { get; set; } = 8;
    public double R0 { get; set; } = 0.01;
    public double R1 { get; set; } = 0.5;
    public double R2 { get; set; } = 2.0;

    // sequence
    public int Tokens { get; set; } = 4;
    public int Length { get; set; } = 8;
    public string ActionModel { get; set; } = "write-any-blank";
    public string? Rewards { get; set; }
    public double Alpha { get; set; } = 3;
    public double RMin { get; set; } = 1e-3;
    public double MaxReward { get; set; } = 10;
    public double ModeFraction { get; set; } = 0.005;
    public int? ModeCount { get; set; }
    public string? Alphabet { get; set; }
    public int Motifs { get; set; } = SyntheticBindingLandscape.DefaultMotifs;
    public long LandscapeSeed { get; set; }

    // dag
    public int Nodes { get; set; } = 5;
    public double Edges { get; set; } = 5;
    public int Samples { get; set; } = 100;
    public double Noise { get; set; } = 0.1;
    public long DataSeed { get; set; }
    public string? Data { get; set; }

    // bitseq
    public int Bits { get; set; } = 120;
    public int Word { get; set; } = 4;
    public int Codebook { get; set; } = 60;
    public double Temperature { get; set; } = 1;
    public int? ModeRadius { get; set; }
    public long CodebookSeed { get; set; }

    /// <summary>Reads and validates each option on its own. The cross-option checks (sizes, files) are
    /// <see cref="EnsureEncodable"/>, so that a command can run them after its other options, as <c>train</c> does.</summary>
    public static EnvironmentSettings Parse(ArgumentReader a)
    {
        var s = new EnvironmentSettings { Env = a.String("env", "hypergrid") };
        if (!OptionsOf.TryGetValue(s.Env, out var own))
            throw new UsageException($"--env must be one of: {string.Join(", ", Kinds)}; got '{s.Env}'.");
        foreach (var (kind, names) in OptionsOf)
            if (kind != s.Env)
                foreach (var name in names)
                    if (a.Has(name) && !own.Contains(name))
                        throw new UsageException($"--{name} is an option of --env {kind}; it does not apply to --env {s.Env} (whose options are: {string.Join(", ", own.Select(n => "--" + n))}).");
        switch (s.Env)
        {
            case "hypergrid":
                s.Ndim = a.Int("ndim", 2, 1, 64);
                s.Height = a.Int("height", 8, 2, 1 << 20);
                s.R0 = a.Double("r0", 0.01, 0, exclusiveMin: true);
                s.R1 = a.Double("r1", 0.5, 0);
                s.R2 = a.Double("r2", 2.0, 0);
                break;
            case "sequence":
                s.Tokens = a.Int("tokens", 4, 2, 64);
                s.Length = a.Int("length", 8, 1, 64);
                s.ActionModel = a.String("action-model", "write-any-blank");
                if (!SequenceActionModels.Contains(s.ActionModel))
                    throw new UsageException($"--action-model must be one of: {string.Join(", ", SequenceActionModels)}; got '{s.ActionModel}'.");
                s.Rewards = a.String("rewards");
                s.Alpha = a.Double("alpha", 3, 0, exclusiveMin: true);
                s.RMin = a.Double("r-min", 1e-3, 0);
                s.MaxReward = a.Double("max-reward", 10, 0, exclusiveMin: true);
                s.ModeFraction = a.Double("mode-fraction", 0.005, 0, 1, exclusiveMin: true);
                s.ModeCount = a.Has("mode-count") ? a.Int("mode-count", 0, 1) : null;
                s.Alphabet = a.String("alphabet");
                s.Motifs = a.Int("motifs", SyntheticBindingLandscape.DefaultMotifs, 1, 64);
                s.LandscapeSeed = a.Long("landscape-seed", 0);
                if (s.Rewards is not null && (a.Has("motifs") || a.Has("landscape-seed")))
                    throw new UsageException("--motifs and --landscape-seed shape the synthetic landscape; they cannot be used with --rewards FILE.");
                break;
            case "qm9":
                // The paper's QM9 settings (SequenceTableOptions.Qm9); the transform can be varied, the table and modes not.
                var qm9 = SequenceTableOptions.Qm9;
                s.Tokens = SequenceRewardTable.Qm9Tokens;
                s.Length = SequenceRewardTable.Qm9Length;
                s.ActionModel = a.String("action-model", "write-any-blank");
                if (!SequenceActionModels.Contains(s.ActionModel))
                    throw new UsageException($"--action-model must be one of: {string.Join(", ", SequenceActionModels)}; got '{s.ActionModel}'.");
                s.Alpha = a.Double("alpha", qm9.Alpha, 0, exclusiveMin: true);
                s.RMin = a.Double("r-min", qm9.MinimumScore, 0);
                s.MaxReward = a.Double("max-reward", qm9.MaxReward, 0, exclusiveMin: true);
                break;
            case "dag":
                s.Data = a.String("data");
                // With --data the node count comes from the file's columns (0 = not given); --nodes then checks it.
                s.Nodes = a.Int("nodes", s.Data is null ? 5 : 0, 1, DagEnvironment.MaxNodes);
                // The default 5 expected edges, capped at what a graph of --nodes nodes can hold (d(d−1)/2).
                double maxEdges = s.Nodes * (s.Nodes - 1) / 2.0;
                s.Edges = a.Double("edges", Math.Min(5, maxEdges), 0, s.Data is null && s.Nodes > 0 ? maxEdges : double.PositiveInfinity);
                s.Samples = a.Int("samples", 100, 2, 10_000_000);
                s.Noise = a.Double("noise", 0.1, 0, exclusiveMin: true);
                s.DataSeed = a.Long("data-seed", 0);
                if (s.Data is not null && (a.Has("edges") || a.Has("samples") || a.Has("noise") || a.Has("data-seed")))
                    throw new UsageException("--edges, --samples, --noise and --data-seed shape the generated data; they cannot be used with --data FILE.");
                break;
            default:
                s.Bits = a.Int("bits", 120, 1, 4096);
                s.Word = a.Int("word", 4, 1, 16);
                s.Codebook = a.Int("codebook", 60, 1, 1_000_000);
                s.Temperature = a.Double("temperature", 1, 0, exclusiveMin: true);
                s.ModeRadius = a.Has("mode-radius") ? a.Int("mode-radius", 0, 0, 4096) : null;
                s.CodebookSeed = a.Long("codebook-seed", 0);
                break;
        }
        return s;
    }

    private static readonly string[] SequenceActionModels = ["write-any-blank", "append", "prepend-or-append"];

    /// <summary>The cross-option checks: the environment must be constructible (sizes, files, the width of the
    /// encoding). Builds it once and reports its complaint as a usage error naming the options.</summary>
    public void EnsureEncodable()
    {
        if (Env == "hypergrid" && (long)Ndim * Height > 1 << 20)
            throw new UsageException($"--ndim × --height must be at most 1048576 (the width of the K-hot encoding); got {Ndim} × {Height}.");
        if (Env == "bitseq" && Bits % Word != 0)
            throw new UsageException($"--bits must be a multiple of --word; got {Bits} and {Word}.");
        CreateEnvironment();
    }

    /// <summary>RL-G needs a guide: refuses it, naming the method and the environment, where the environment has none built
    /// in (the paper defines none for bit sequences), before anything is trained.</summary>
    public void EnsureGuideFor(IEnumerable<Torch.Training.TrainingMethod> methods)
    {
        if (methods.Contains(Torch.Training.TrainingMethod.PolicyGradientGuided) && CreateEnvironment().DefaultGuide is null)
            throw new UsageException($"--method rl-g needs a guide, and --env {Env} has none built in (the paper defines none for it); use rl-b, which learns P_B without a guide.");
    }

    private GFlowNetEnvironment? _environment;

    /// <summary>The environment of these settings, built on first use (a reward table or a data file is read once);
    /// problems with a file or a size are usage errors.</summary>
    public GFlowNetEnvironment CreateEnvironment() => _environment ??= Build();

    private GFlowNetEnvironment Build()
    {
        try
        {
            return Env switch
            {
                "hypergrid" => new HyperGrid(Ndim, Height, R0, R1, R2),
                "sequence" => CommandEnvironments.Sequence(this),
                "qm9" => CommandEnvironments.Qm9(this),
                "dag" => CommandEnvironments.Dag(this),
                _ => CommandEnvironments.BitSequence(this),
            };
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or FormatException or UnauthorizedAccessException)
        {
            throw new UsageException($"--env {Env}: {e.Message}");
        }
    }

    /// <summary>The command-line options that recreate these settings (for child processes of <c>compare</c>).</summary>
    public IReadOnlyList<string> ToArguments()
    {
        var args = new List<string> { "--env", Env };
        void Add(string name, object? value)
        {
            if (value is null) return;
            args.Add("--" + name);
            args.Add(value switch
            {
                double d => d.ToString("R", CultureInfo.InvariantCulture),
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString()!,
            });
        }
        switch (Env)
        {
            case "hypergrid":
                Add("ndim", Ndim); Add("height", Height); Add("r0", R0); Add("r1", R1); Add("r2", R2);
                break;
            case "sequence":
                Add("tokens", Tokens); Add("length", Length); Add("action-model", ActionModel); Add("rewards", Rewards);
                Add("alpha", Alpha); Add("r-min", RMin); Add("max-reward", MaxReward); Add("mode-fraction", ModeFraction);
                Add("mode-count", ModeCount); Add("alphabet", Alphabet);
                if (Rewards is null) { Add("motifs", Motifs); Add("landscape-seed", LandscapeSeed); }
                break;
            case "qm9":
                Add("action-model", ActionModel); Add("alpha", Alpha); Add("r-min", RMin); Add("max-reward", MaxReward);
                break;
            case "dag":
                if (Nodes > 0) Add("nodes", Nodes);
                if (Data is null) { Add("edges", Edges); Add("samples", Samples); Add("noise", Noise); Add("data-seed", DataSeed); }
                else Add("data", Data);
                break;
            default:
                Add("bits", Bits); Add("word", Word); Add("codebook", Codebook); Add("temperature", Temperature);
                Add("mode-radius", ModeRadius); Add("codebook-seed", CodebookSeed);
                break;
        }
        return args;
    }
}
