using System.Diagnostics;
using System.Globalization;
using System.Text;
using GFlowNetML.Environments;
using GFlowNetML.Onnx;
using GFlowNetML.Parameters;
using GFlowNetML.Rewards;
using Spectre.Console;
using static GFlowNetML.Parameters.ParameterDeclaration;

namespace GFlowNetML.Cli.Commands;

/// <summary><c>gflownet sample</c>: draws objects from an ONNX sampler model and writes them as CSV.</summary>
internal static class SampleCommand
{
    private static readonly ParameterDeclaration Model = Text("model", "model.onnx", "the ONNX sampler model ('gflownet export' or 'gflownet train --export')", noDefault: "required");
    private static readonly ParameterDeclaration Samples = Integer("samples", null, 1, long.MaxValue, "the number of objects to draw (also -n)") with { NoDefault = "required" };
    private static readonly ParameterDeclaration Out = Text("out", "samples.csv", "the CSV file to write", noDefault: "required");
    private static readonly ParameterDeclaration Seed = ParameterDeclaration.Seed("seed", "the seed of the draws (the same samples on any batch size)");
    private static readonly ParameterDeclaration Device = Choice("device", "auto", ["auto", "cpu", "cuda"], "where ONNX Runtime runs: CUDA when available (auto), or the one named");
    private static readonly ParameterDeclaration Gpu = Integer("gpu", 0, 0, 64, "the CUDA device id");
    private static readonly ParameterDeclaration Mode = Choice("mode", "auto", ["auto", "whole", "host"], "whole: each batch's trajectory loop inside ONNX Runtime (built-in environments); host: the host steps the environment");
    private static readonly ParameterDeclaration BatchSize = Integer("batch-size", 4096, 1, SamplerSessionOptions.MaxBatchSize, "objects per ONNX Runtime call");
    private static readonly ParameterDeclaration Threads = Integer("threads", 1, 0, 256, "ONNX Runtime threads (0: one per core)");
    private static readonly ParameterDeclaration Plot = Flag("plot", "also write the CSV's name with .png: the empirical distribution against the target, or the log R histogram");

    /// <summary>The option table of <c>gflownet sample</c>.</summary>
    private static readonly OptionTable Table = new("sample", [new("Options:", [Model, Samples, Out, Seed, Device, Gpu, Mode, BatchSize, Threads, Plot]), ClusterOption.SampleGroup]);

    /// <summary>The help text, from the option table.</summary>
    public static string Help => Table.Help("""
        gflownet sample --model model.onnx -n N --out samples.csv [options]
        Draws N objects (one CSV row each: object,log_probability,log_reward; for a sequence task whose tokens have names,
        QM9's building blocks, a fourth column blocks with their SMILES). --mode whole runs each batch's whole
        trajectory loop inside ONNX Runtime (built-in environments), host steps the environment on the host and calls the
        policy once per step. The same seed gives the same samples on any batch size. --threads 0 lets ONNX Runtime
        use one thread per core. --plot also writes the CSV's name with .png: the drawn objects' empirical distribution
        against the model's target where the space is enumerable (heat maps for a 2-D hyper-grid, edge marginals for dag,
        else a rank plot and a scatter), else the histogram of their log R. --cluster draws the samples on the silos of a
        cluster ('gflownet silo'), 10,000 per call, on their CPUs: the same rows as --device cpu in this process.
        """);

    /// <summary>Reads the arguments after <c>sample</c> (with <c>-n N</c> for <c>--samples N</c>).</summary>
    public static ArgumentReader Read(string[] args) => Table.Read(Normalize(args));

    /// <summary>Accepts <c>-n N</c> for <c>--samples N</c>.</summary>
    private static string[] Normalize(string[] args) => args.Select(a => a == "-n" ? "--" + Samples.Name : a).ToArray();

    public static int Run(ArgumentReader args, IAnsiConsole console, CancellationToken cancellationToken)
    {
        string model = args.String(Model) ?? throw new UsageException("--model is required: the .onnx sampler model ('gflownet export' or 'gflownet train --export').");
        if (!args.Has(Samples)) throw new UsageException("-n (--samples) is required: the number of objects to draw.");
        int n = args.Int(Samples);
        string outPath = args.String(Out) ?? throw new UsageException("--out is required: the CSV file to write.");
        long seed = args.Long(Seed);
        var device = args.String(Device) switch
        {
            "cpu" => SamplerDevice.Cpu,
            "cuda" => SamplerDevice.Cuda,
            _ => SamplerDevice.Auto,
        };
        var mode = args.String(Mode) switch
        {
            "whole" => SamplingMode.WholeTrajectory,
            "host" => SamplingMode.HostLoop,
            _ => SamplingMode.Auto,
        };
        var options = new SamplerSessionOptions
        {
            Device = device, GpuDeviceId = args.Int(Gpu), BatchSize = args.Int(BatchSize), Threads = args.Int(Threads),
        };
        if (!File.Exists(model)) throw new UsageException($"--model '{model}' does not exist.");
        OutputFolder.EnsureFileWritable(outPath, "--out");
        if (SamePath(outPath, model)) throw new UsageException($"--out '{outPath}' is the --model file; writing the samples there would destroy the model.");
        string? plotPath = args.Flag(Plot) ? Plots.SamplePlots.PathFor(outPath) : null;
        if (plotPath is not null && (SamePath(plotPath, outPath) || SamePath(plotPath, model)))
            throw new UsageException($"--plot writes '{plotPath}', which is {(SamePath(plotPath, outPath) ? "--out" : "--model")}; give --out a name that does not end in .png.");

        var clusterConnection = ClusterOption.Parse(args);
        if (clusterConnection is not null && device == SamplerDevice.Cuda)
            throw new UsageException("--device cuda does not apply with --cluster: the silos sample on their CPUs (the same rows as --device cpu).");
        using var cluster = clusterConnection is null ? null
            : ClusterOption.Connect(clusterConnection, ClusterOption.ClientOptions(args.Int(ClusterOption.ClusterWait), "sample"), cancellationToken);
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
