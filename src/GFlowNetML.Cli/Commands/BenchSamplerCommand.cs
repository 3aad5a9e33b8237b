using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GFlowNetML.Environments;
using GFlowNetML.Onnx;
using GFlowNetML.Sampling;
using GFlowNetML.Torch.Export;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Training;
using Spectre.Console;

namespace GFlowNetML.Cli.Commands;

/// <summary>
/// <c>gflownet bench-sampler</c>: samples per second of the ONNX whole-trajectory sampler, the host-driven ONNX loop and
/// TorchSharp sampling (the trainer's own TrajectorySampler with its policy) at several batch sizes, on one policy
/// (paper-sized by default), and the time to load a sampler model in a fresh process.
/// </summary>
internal static class BenchSamplerCommand
{
    public const string Help = """
        gflownet bench-sampler [--ndim 2] [--height 32] [--batch-sizes 1,64,1024] [--seconds 2] [--threads 1]
                               [--hidden-layers 4] [--hidden-width 256] [--exit-bias -3] [--device cpu|auto|cuda] [--out bench-sampler.json]
        Samples per second of whole-trajectory ONNX, host-driven ONNX and TorchSharp sampling (each figure: as many
        batches as fit in --seconds after one warm-up batch), and the load time of the model in a fresh process. The policy
        is freshly initialised with --exit-bias added to its exit logit, so that trajectories are about as long as a
        trained sampler's (an untrained policy exits after ~3 steps; a trained 32 × 32 sampler walks ~30).
        """;

    public static readonly string[] OptionNames = ["ndim", "height", "batch-sizes", "seconds", "threads", "hidden-layers", "hidden-width", "device", "out", "measure-load", "exit-bias"];

    public static int Run(ArgumentReader args, IAnsiConsole console)
    {
        int threads = args.Int("threads", 1, 1, 256);
        var device = args.String("device", "cpu") switch
        {
            "auto" => SamplerDevice.Auto,
            "cpu" => SamplerDevice.Cpu,
            "cuda" => SamplerDevice.Cuda,
            var other => throw new UsageException($"--device must be one of: auto, cpu, cuda; got '{other}'."),
        };
        if (args.String("measure-load") is string loadPath) return MeasureLoad(loadPath, threads, device);

        int ndim = args.Int("ndim", 2, 1, 16);
        int height = args.Int("height", 32, 2, 1024);
        double seconds = args.Double("seconds", 2, 0, 600, exclusiveMin: true);
        var batches = args.String("batch-sizes", "1,64,1024").Split(',', StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int b) && b >= 1 ? b
                : throw new UsageException($"--batch-sizes must be a comma-separated list of integers of at least 1; got '{s}'.")).ToArray();
        var trainerOptions = new GFlowNetTrainerOptions { Iterations = 1, Threads = threads };
        TrainSettings.ParseNetworks(args, trainerOptions);
        double exitBias = args.Double("exit-bias", -3, -100, 100);
        TorchRuntime.Configure(threads);

        var grid = new HyperGrid(ndim, height);
        using var trainer = new GFlowNetTrainer(grid, trainerOptions);
        var weights = trainer.Networks[0].ExportWeights();
        weights[^1][grid.ExitAction] += (float)exitBias;
        trainer.Networks[0].ImportWeights(weights);
        var exported = PolicyExport.FromTrainer(trainer);
        string modelPath = Path.Combine(Path.GetTempPath(), $"gflownet-bench-sampler-{Environment.ProcessId}.onnx");
        SamplerModel.Create(grid, exported.Policy, exported.Training).Save(modelPath);
        try
        {
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{grid.Description}, policy {trainerOptions.PolicyHiddenLayers} × {trainerOptions.PolicyHiddenWidth} ({exported.Policy.ParameterCount} parameters), {threads} thread(s), ≥ {seconds} s per figure"));
            var rows = new List<Dictionary<string, object>>();
            var table = new Table().AddColumns("batch", "whole-trajectory ONNX (samples/s)", "host-driven ONNX (samples/s)", "TorchSharp (samples/s)", "mean length");
            var largest = batches.Max();
            using var session = SamplerSession.Load(modelPath, new SamplerSessionOptions { Device = device, Threads = threads, BatchSize = Math.Max(largest, 1) });
            var torchPolicy = new TorchPolicy(trainer.Networks[0], grid.ActionCount);
            var sampler = new TrajectorySampler(grid);
            var random = new GFlowNetRandom(1);
            long seed = 0;
            foreach (int batch in batches)
            {
                double meanLength = 0;
                double whole = Rate(batch, seconds, () => meanLength = session.Sample(batch, seed++, SamplingMode.WholeTrajectory).Average(s => s.Length));
                double host = Rate(batch, seconds, () => session.Sample(batch, seed++, SamplingMode.HostLoop));
                double torch = Rate(batch, seconds, () =>
                {
                    using var scope = TorchSharp.torch.NewDisposeScope();
                    sampler.Sample(torchPolicy, batch, random);
                });
                table.AddRow(Invariant(batch), F(whole), F(host), F(torch), meanLength.ToString("F1", CultureInfo.InvariantCulture));
                rows.Add(new()
                {
                    ["ndim"] = ndim, ["height"] = height, ["batchSize"] = batch, ["threads"] = threads, ["device"] = session.Device.ToString(), ["meanLength"] = meanLength,
                    ["wholeTrajectoryOnnxSamplesPerSecond"] = whole, ["hostDrivenOnnxSamplesPerSecond"] = host, ["torchSharpSamplesPerSecond"] = torch,
                });
            }
            console.Write(table);
            console.WriteLine($"ONNX device: {session.DeviceReason}");

            var load = LoadInFreshProcess(modelPath, threads, device);
            console.WriteLine(load);
            rows.Add(new() { ["freshProcessLoad"] = load });
            if (args.String("out") is string outPath)
                File.WriteAllText(outPath, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
        }
        finally { File.Delete(modelPath); }
        return 0;

        static string F(double v) => v.ToString("N0", CultureInfo.InvariantCulture);
        static string Invariant(int v) => v.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Samples per second: one warm-up call, then calls until <paramref name="seconds"/> have passed.</summary>
    private static double Rate(int batch, double seconds, Action draw)
    {
        draw();
        var clock = Stopwatch.StartNew();
        long calls = 0;
        do { draw(); calls++; } while (clock.Elapsed.TotalSeconds < seconds);
        return batch * calls / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Runs <c>gflownet bench-sampler --measure-load PATH</c> in a child process and returns its line.</summary>
    private static string LoadInFreshProcess(string modelPath, int threads, SamplerDevice device)
    {
        string host = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") info.ArgumentList.Add(typeof(BenchSamplerCommand).Assembly.Location);
        foreach (var a in new[] { "bench-sampler", "--measure-load", modelPath, "--threads", threads.ToString(CultureInfo.InvariantCulture), "--device", device.ToString().ToLowerInvariant() })
            info.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return string.Create(CultureInfo.InvariantCulture, $"Fresh process: {output.Trim()} (whole child process {clock.Elapsed.TotalMilliseconds:F0} ms){(error.Length > 0 ? "; stderr: " + error.Trim() : "")}");
    }

    /// <summary>In the child: the time to load the model (ONNX Runtime's start-up included) and to draw the first sample.</summary>
    private static int MeasureLoad(string path, int threads, SamplerDevice device)
    {
        var clock = Stopwatch.StartNew();
        using var session = SamplerSession.Load(path, new SamplerSessionOptions { Device = device, Threads = threads });
        double load = clock.Elapsed.TotalMilliseconds;
        session.Sample(1, 0);
        double first = clock.Elapsed.TotalMilliseconds - load;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SamplerSession.Load {load:F0} ms, first sample {first:F0} ms"));
        return 0;
    }
}
