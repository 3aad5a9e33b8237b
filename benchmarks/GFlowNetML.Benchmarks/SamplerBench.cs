using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GFlowNetML.Environments;
using GFlowNetML.Models;
using GFlowNetML.Onnx;
using GFlowNetML.Sampling;
using GFlowNetML.Torch.Export;
using GFlowNetML.Torch.Training;
using Spectre.Console;

namespace GFlowNetML.Benchmarks;

/// <summary>
/// <c>sampler</c>: samples per second of the ONNX whole-trajectory sampler, the host-driven ONNX loop and TorchSharp
/// sampling (a <see cref="TrajectorySampler"/> over the trainer's <see cref="GFlowNetTrainer.ForwardPolicy"/>) at several
/// batch sizes, on one policy (paper-sized by default), and the time to load a sampler model in a fresh process.
/// </summary>
internal static class SamplerBench
{
    private const string Help = """
        sampler [--ndim 2] [--height 32] [--batch-sizes 1,64,1024] [--seconds 2] [--threads 1] [--repeat 1]
                [--hidden-layers 4] [--hidden-width 256] [--exit-bias -3] [--device cpu|auto|cuda] [--out bench-sampler.json]
        Samples per second of whole-trajectory ONNX, host-driven ONNX and TorchSharp sampling (each figure: samples per CPU second, as
        many batches as fit in --seconds of CPU time after one warm-up batch; with --repeat R the median of R, the three samplers taking turns), and
        the load time of the model in a fresh process. The policy is freshly initialised with --exit-bias added to its exit
        logit, so that trajectories are about as long as a trained sampler's (an untrained policy exits after ~3 steps; a
        trained 32 × 32 sampler walks ~30).
        """;

    public static int Run(BenchArguments args)
    {
        if (args.Help) { Console.WriteLine(Help); return 0; }
        int threads = args.Int("threads", 1, 1, 256);
        var device = args.String("device", "cpu") switch
        {
            "auto" => SamplerDevice.Auto,
            "cpu" => SamplerDevice.Cpu,
            "cuda" => SamplerDevice.Cuda,
            var other => throw new BenchUsageException($"sampler: --device must be one of: auto, cpu, cuda; got '{other}'."),
        };
        if (args.String("measure-load") is string loadPath) { args.CheckAllRead(); return MeasureLoad(loadPath, threads, device); }
        int ndim = args.Int("ndim", 2, 1, 16);
        int height = args.Int("height", 32, 2, 1024);
        double seconds = args.Double("seconds", 2, 0.01, 600);
        int repeat = args.Int("repeat", 1, 1, 100);
        int[] batches = args.List<int>("batch-sizes", "1,64,1024", "integers of at least 1",
            s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int b) && b >= 1 ? b : null);
        var trainerOptions = new GFlowNetTrainerOptions
        {
            Iterations = 1, Threads = threads,
            PolicyHiddenLayers = args.Int("hidden-layers", 4, 0, 64), PolicyHiddenWidth = args.Int("hidden-width", 256, 1, 1 << 16),
        };
        double exitBias = args.Double("exit-bias", -3, -100, 100);
        string? outPath = args.String("out");
        args.CheckAllRead();
        NativeSettings.Apply(threads);

        var grid = new HyperGrid(ndim, height);
        using var trainer = new GFlowNetTrainer(grid, trainerOptions);
        var exported = PolicyExport.FromTrainer(trainer);
        var policy = WithExitBias(exported.Policy, grid.ExitAction, (float)exitBias);
        trainer.SetForwardPolicy(policy);
        string modelPath = Path.Combine(Path.GetTempPath(), $"gflownet-bench-sampler-{Environment.ProcessId}.onnx");
        SamplerModel.Create(grid, policy, exported.Training).Save(modelPath);
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{grid.Description}, policy {trainerOptions.PolicyHiddenLayers} × {trainerOptions.PolicyHiddenWidth} ({policy.ParameterCount} parameters), {threads} thread(s), ≥ {seconds} s per figure, median of {repeat}; load average {TrainingBench.LoadAverage()}"));
            var rows = new List<Dictionary<string, object>>();
            var table = new Table().AddColumns("batch", "whole-trajectory ONNX (samples/s)", "host-driven ONNX (samples/s)", "TorchSharp (samples/s)", "host ONNX / TorchSharp", "spread (max/min)", "mean length", "longest", "GFLOP/s whole (policy rows)", "GFLOP/s host", "GFLOP/s TorchSharp");
            using var session = SamplerSession.Load(modelPath, new SamplerSessionOptions { Device = device, Threads = threads, BatchSize = batches.Max() });
            var sampler = new TrajectorySampler(grid);
            // The policy's matrix work per evaluated state; the whole-trajectory graph evaluates every row of the batch on
            // every trip until the longest trajectory has exited, the host loops only the running ones.
            double flopsPerState = policy.Layers.Sum(l => 2.0 * l.Inputs * l.Outputs);
            var random = new GFlowNetRandom(1);
            long seed = 0;
            foreach (int batch in batches)
            {
                double meanLength = 0, longest = 0;
                var whole = new List<double>();
                var host = new List<double>();
                var torch = new List<double>();
                for (int r = 0; r < repeat; r++)
                {
                    whole.Add(Rate(batch, seconds, () =>
                    {
                        var samples = session.Sample(batch, seed++, SamplingMode.WholeTrajectory);
                        meanLength = samples.Average(s => s.Length);
                        longest = samples.Max(s => s.Length);
                    }));
                    host.Add(Rate(batch, seconds, () => session.Sample(batch, seed++, SamplingMode.HostLoop)));
                    torch.Add(Rate(batch, seconds, () =>
                    {
                        using var scope = TorchSharp.torch.NewDisposeScope();
                        sampler.Sample(trainer.ForwardPolicy, batch, random);
                    }));
                }
                double spread = new[] { whole, host, torch }.Max(v => v.Max() / v.Min());
                table.AddRow(batch.ToString(CultureInfo.InvariantCulture), F(Median(whole)), F(Median(host)), F(Median(torch)),
                    (Median(host) / Median(torch)).ToString("F2", CultureInfo.InvariantCulture), spread.ToString("F2", CultureInfo.InvariantCulture),
                    meanLength.ToString("F1", CultureInfo.InvariantCulture), longest.ToString("F0", CultureInfo.InvariantCulture),
                    G(Median(whole) * longest * flopsPerState), G(Median(host) * meanLength * flopsPerState), G(Median(torch) * meanLength * flopsPerState));
                rows.Add(new()
                {
                    ["ndim"] = ndim, ["height"] = height, ["batchSize"] = batch, ["threads"] = threads, ["repeat"] = repeat, ["device"] = session.Device.ToString(),
                    ["meanLength"] = meanLength, ["longestInLastBatch"] = longest, ["policyFlopsPerState"] = flopsPerState, ["wholeTrajectoryOnnxSamplesPerSecond"] = Median(whole), ["hostDrivenOnnxSamplesPerSecond"] = Median(host),
                    ["torchSharpSamplesPerSecond"] = Median(torch), ["spread"] = spread,
                });
            }
            AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 200);
            AnsiConsole.Write(table);
            Console.WriteLine($"ONNX device: {session.DeviceReason}");
            string load = LoadInFreshProcess(modelPath, threads, device);
            Console.WriteLine(load);
            rows.Add(new() { ["freshProcessLoad"] = load });
            if (outPath is not null) File.WriteAllText(outPath, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
        }
        finally { File.Delete(modelPath); }
        return 0;

        static string F(double v) => v.ToString("N0", CultureInfo.InvariantCulture);
        static string G(double flops) => (flops / 1e9).ToString("F1", CultureInfo.InvariantCulture);
    }

    private static double Median(List<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }

    /// <summary>The policy with <paramref name="bias"/> added to the exit action's output bias.</summary>
    private static PolicyWeights WithExitBias(PolicyWeights policy, int exitAction, float bias)
    {
        var layers = policy.Layers.Select((l, i) =>
        {
            float[] b = l.Bias.ToArray();
            if (i == policy.Layers.Count - 1) b[exitAction] += bias;
            return new DenseLayer(l.Inputs, l.Outputs, l.Weights.Span, b, l.Activation);
        }).ToList();
        return new PolicyWeights(layers);
    }

    /// <summary>Samples per CPU second of the process (on a shared machine wall time also counts other processes' work):
    /// one warm-up call, then calls until <paramref name="seconds"/> of CPU time have passed.</summary>
    private static double Rate(int batch, double seconds, Action draw)
    {
        draw();
        var start = Environment.CpuUsage.TotalTime;
        long calls = 0;
        double elapsed;
        do { draw(); calls++; } while ((elapsed = (Environment.CpuUsage.TotalTime - start).TotalSeconds) < seconds);
        return batch * calls / elapsed;
    }

    /// <summary>Runs <c>sampler --measure-load PATH</c> in a child process and returns its line.</summary>
    private static string LoadInFreshProcess(string modelPath, int threads, SamplerDevice device)
    {
        string host = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") info.ArgumentList.Add(typeof(SamplerBench).Assembly.Location);
        foreach (var a in new[] { "sampler", "--measure-load", modelPath, "--threads", threads.ToString(CultureInfo.InvariantCulture), "--device", device.ToString().ToLowerInvariant() })
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
