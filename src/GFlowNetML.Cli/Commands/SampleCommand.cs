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
                        [--mode auto|whole|host] [--batch-size 4096] [--threads 1]
        Draws N objects (one CSV row each: object,log_probability,log_reward; for a sequence task whose tokens have names,
        QM9's building blocks, a fourth column blocks with their SMILES). --mode whole runs each batch's whole
        trajectory loop inside ONNX Runtime (built-in environments), host steps the environment on the host and calls the
        policy once per step. The same seed gives the same samples on any batch size. --threads 0 lets ONNX Runtime
        use one thread per core.
        """;

    public static readonly string[] OptionNames = ["model", "samples", "out", "seed", "device", "gpu", "mode", "batch-size", "threads"];

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
            Device = device, GpuDeviceId = args.Int("gpu", 0, 0, 64), BatchSize = args.Int("batch-size", 4096, 1), Threads = args.Int("threads", 1, 0, 256),
        };
        if (!File.Exists(model)) throw new UsageException($"--model '{model}' does not exist.");
        OutputFolder.EnsureFileWritable(outPath, "--out");

        SamplerSession session;
        try { session = SamplerSession.Load(model, options); }
        catch (InvalidOperationException e) { throw new UsageException(e.Message); }
        using (session)
        {
            if (mode == SamplingMode.WholeTrajectory && !session.SupportsWholeTrajectory)
                throw new UsageException($"--mode whole is not available for {session.Environment.Name} (it has no ONNX step graph); use --mode host or auto.");
            var used = session.Resolve(mode) == SamplingMode.HostLoop ? "host-driven" : "whole-trajectory";
            var clock = Stopwatch.StartNew();
            IReadOnlyList<GFlowNetSample> samples = null!;
            if (console.Profile.Capabilities.Interactive && n >= 10_000)
                console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask("sampling", maxValue: n);
                        samples = session.Sample(n, seed, mode, new SyncProgress<int>(done => task.Value = done), cancellationToken);
                    });
            else samples = session.Sample(n, seed, mode, null, cancellationToken);
            double seconds = clock.Elapsed.TotalSeconds;
            WriteCsv(outPath, samples, (session.Environment as SequenceEnvironment)?.Reward is { TokenNames: not null } named ? named : null);
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Sampled {n} objects from {session.Environment.Description} ({used}) on {(session.Device == SamplerDevice.Cuda ? "CUDA" : "CPU")} — {session.DeviceReason}"));
            console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{seconds:F2} s, {n / Math.Max(seconds, 1e-9):F0} samples/s; wrote {outPath}"));
        }
        return 0;
    }

    /// <summary>One row per sample; with <paramref name="named"/> (a reward with token names) a <c>blocks</c> column
    /// holds each sequence as its tokens' names (QM9: the blocks' SMILES, space-separated).</summary>
    private static void WriteCsv(string path, IReadOnlyList<GFlowNetSample> samples, SequenceReward? named)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        writer.Write(named is null ? "object,log_probability,log_reward\n" : "object,log_probability,log_reward,blocks\n");
        foreach (var s in samples)
        {
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{Quoted(s.Text)},{s.LogProbability:R},{s.LogReward:R}"));
            if (named is not null) writer.Write("," + Quoted(named.FormatNames(s.State)!));
            writer.Write('\n');
        }
    }

    private static string Quoted(string text) => "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
