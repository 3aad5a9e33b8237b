using System.Diagnostics;
using System.Globalization;
using System.Text;
using GFlowNetML.Environments;
using GFlowNetML.Onnx;
using GFlowNetML.Rewards;
using Spectre.Console;

namespace GFlowNetML.Cli.Commands;

/// <summary><c>gflownet sample</c>: draws objects from an ONNX sampler model and writes them as CSV.</summary>
internal static class SampleCommand
{
    public const string Help = """
        gflownet sample --model model.onnx -n N --out samples.csv [--seed 0] [--device auto|cpu|cuda] [--gpu 0]
                        [--mode auto|whole|host] [--batch-size 4096] [--threads 1] [--plot] [--cluster redis://HOST:PORT]
        Draws N objects (one CSV row each: object,log_probability,log_reward; for a sequence task whose tokens have names,
        QM9's building blocks, a fourth column blocks with their SMILES). --mode whole runs each batch's whole
        trajectory loop inside ONNX Runtime (built-in environments), host steps the environment on the host and calls the
        policy once per step. The same seed gives the same samples on any batch size. --threads 0 lets ONNX Runtime
        use one thread per core. --plot also writes the CSV's name with .png: the drawn objects' empirical distribution
        against the model's target where the space is enumerable (heat maps for a 2-D hyper-grid, edge marginals for dag,
        else a rank plot and a scatter), else the histogram of their log R. --cluster draws the samples on the silos of a
        cluster ('gflownet silo'), 10,000 per call, on their CPUs: the same rows as --device cpu in this process.
        """;

    public static readonly string[] OptionNames = ["model", "samples", "out", "seed", "device", "gpu", "mode", "batch-size", "threads", "cluster", "cluster-wait"];

    public static readonly IReadOnlySet<string> FlagNames = new HashSet<string> { "plot" };

    /// <summary>Accepts <c>-n N</c> for <c>--samples N</c>.</summary>
    public static string[] Normalize(string[] args) => args.Select(a => a == "-n" ? "--samples" : a).ToArray();

    public static int Run(ArgumentReader args, IAnsiConsole console, CancellationToken cancellationToken)
    {
        string model = args.String("model") ?? throw new UsageException("--model is required: the .onnx sampler model ('gflownet export' or 'gflownet train --export').");
        if (!args.Has("samples")) throw new UsageException("-n (--samples) is required: the number of objects to draw.");
        int n = args.Int("samples", 0, 1);
        string outPath = args.String("out") ?? throw new UsageException("--out is required: the CSV file to write.");
        long seed = args.Long("seed", 0);
        var device = args.String("device", "auto") switch
        {
            "auto" => SamplerDevice.Auto,
            "cpu" => SamplerDevice.Cpu,
            "cuda" => SamplerDevice.Cuda,
            var other => throw new UsageException($"--device must be one of: auto, cpu, cuda; got '{other}'."),
        };
        var mode = args.String("mode", "auto") switch
        {
            "auto" => SamplingMode.Auto,
            "whole" => SamplingMode.WholeTrajectory,
            "host" => SamplingMode.HostLoop,
            var other => throw new UsageException($"--mode must be one of: auto, whole, host; got '{other}'."),
        };
        var options = new SamplerSessionOptions
        {
            Device = device, GpuDeviceId = args.Int("gpu", 0, 0, 64), BatchSize = args.Int("batch-size", 4096, 1, SamplerSessionOptions.MaxBatchSize), Threads = args.Int("threads", 1, 0, 256),
        };
        if (!File.Exists(model)) throw new UsageException($"--model '{model}' does not exist.");
        OutputFolder.EnsureFileWritable(outPath, "--out");
        if (SamePath(outPath, model)) throw new UsageException($"--out '{outPath}' is the --model file; writing the samples there would destroy the model.");
        string? plotPath = args.Flag("plot") ? Plots.SamplePlots.PathFor(outPath) : null;
        if (plotPath is not null && (SamePath(plotPath, outPath) || SamePath(plotPath, model)))
            throw new UsageException($"--plot writes '{plotPath}', which is {(SamePath(plotPath, outPath) ? "--out" : "--model")}; give --out a name that does not end in .png.");

        var clusterConnection = ClusterOption.Parse(args);
        if (clusterConnection is not null && device == SamplerDevice.Cuda)
            throw new UsageException("--device cuda does not apply with --cluster: the silos sample on their CPUs (the same rows as --device cpu).");
        using var cluster = clusterConnection is null ? null
            : ClusterOption.Connect(clusterConnection, ClusterOption.ClientOptions(args.Int("cluster-wait", 120, 1, 86_400), "sample"), cancellationToken);
        SamplerSession session;
        try { session = SamplerSession.Load(model, options); }
        catch (InvalidOperationException e) { throw new UsageException(e.Message); }
        using (session)
        {
            if (mode == SamplingMode.WholeTrajectory && !session.SupportsWholeTrajectory)
                throw new UsageException($"--mode whole is not available for {session.Environment.Name} (it has no ONNX step graph); use --mode host or auto.");
            var used = session.Resolve(mode) == SamplingMode.HostLoop ? "host-driven" : "whole-trajectory";
            var clock = Stopwatch.StartNew();
            var picture = plotPath is null ? null : new Plots.SamplePlots.Accumulator(session.Environment);
            int written = 0;
            // Streamed batch by batch: memory stays bounded by one batch whatever -n is, and an interrupted draw leaves the
            // complete rows drawn so far.
            void Draw(Action<int>? report)
            {
                using var writer = new StreamWriter(outPath, false, new UTF8Encoding(false));
                var named = (session.Environment as SequenceEnvironment)?.Reward is { TokenNames: not null } reward ? reward : null;
                writer.Write(CsvHeader(named));
                var batches = cluster is null
                    ? session.SampleBatches(n, seed, mode, cancellationToken)
                    : cluster.SampleAsync(File.ReadAllBytes(model), n, seed, mode, cancellationToken: cancellationToken).ToBlockingEnumerable(cancellationToken);
                foreach (var batch in batches)
                {
                    foreach (var s in batch) writer.Write(CsvRow(s, named));
                    picture?.Add(batch);
                    written += batch.Count;
                    report?.Invoke(written);
                }
            }
            try
            {
                if (console.Profile.Capabilities.Interactive && n >= 10_000)
                    console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                        .Start(ctx =>
                        {
                            var task = ctx.AddTask("sampling", maxValue: n);
                            Draw(done => task.Value = done);
                        });
                else Draw(null);
            }
            catch (OperationCanceledException)
            {
                console.WriteLine($"Interrupted after {written} of {n} samples; {outPath} holds those {written}.");
                throw;
            }
            catch (Cluster.ClusterUnreachableException e)
            {
                throw new RunFailedException($"{e.Message}; {outPath} holds the first {written} samples.", e);
            }
            double seconds = clock.Elapsed.TotalSeconds;
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Sampled {n} objects from {session.Environment.Description} ({used}) {(cluster is not null ? $"on the cluster at {cluster.Name} (CPU)" : $"on {(session.Device == SamplerDevice.Cuda ? "CUDA" : "CPU")} — {session.DeviceReason}")}"));
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{seconds:F2} s, {n / Math.Max(seconds, 1e-9):F0} samples/s; wrote {outPath}"));
            if (picture is not null) console.WriteLine($"Wrote {picture.Write(plotPath!)}");
        }
        return 0;
    }

    private static bool SamePath(string a, string b) => string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);

    /// <summary>The CSV header; with <paramref name="named"/> (a reward with token names) a fourth column <c>blocks</c>.</summary>
    private static string CsvHeader(SequenceReward? named)
        => named is null ? "object,log_probability,log_reward\n" : "object,log_probability,log_reward,blocks\n";

    /// <summary>One row; with <paramref name="named"/> the <c>blocks</c> column holds the sequence as its tokens' names (QM9:
    /// the blocks' SMILES, space-separated).</summary>
    private static string CsvRow(GFlowNetSample s, SequenceReward? named)
        => string.Create(CultureInfo.InvariantCulture, $"{Quoted(s.Text)},{s.LogProbability:R},{s.LogReward:R}")
            + (named is null ? "" : "," + Quoted(named.FormatNames(s.State)!)) + "\n";

    private static string Quoted(string text) => "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
