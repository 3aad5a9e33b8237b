using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GFlowNetML.Environments;
using GFlowNetML.Torch.Native;
using GFlowNetML.Torch.Training;
using Spectre.Console;

namespace GFlowNetML.Benchmarks;

/// <summary>
/// <c>training</c>: milliseconds per training iteration over the first N iterations from a seed (the trainer's own
/// profile, <see cref="GFlowNetTrainer.StartProfiling"/>), against two floors made of exactly those iterations' matrix
/// products: libtorch's <c>torch.mm</c> and this machine's single-thread SGEMM (OpenBLAS). The fraction of the machine's
/// SGEMM rate is machine floor / CPU time per iteration: 1 would mean the iteration is nothing but its products, run at the
/// best kernel's speed. On a grid small enough to enumerate it also times one exact evaluation and the enumeration.
/// </summary>
internal static class TrainingBench
{
    private const string Help = """
        training [--ndim 2] [--heights 8,32] [--methods rl-u,tb] [--iterations 200] [--batch-size 128] [--seed 0]
                 [--threads 1] [--r0 0.01] [--repeat 1] [--floors yes|no] [--openblas PATH] [--out bench.json]
        Times the first --iterations training iterations (paper-sized networks) and replays their matrix products as
        torch.mm (libtorch's floor) and as OpenBLAS cblas_sgemm on one thread (the machine's floor). With --repeat R, every
        figure is the median of R fresh runs, and the spread (max/min) of the CPU time is shown. MKL's code path is chosen
        by the environment: GFLOWNETML_MKL_CPU=intel runs its AVX-512 kernels on AMD CPUs.
        """;

    /// <summary>CPU milliseconds per iteration of the authors' Python code on this kind of machine (issue 17's measurement,
    /// one thread, OpenBLAS, 200 iterations after start-up), for comparison.</summary>
    private static readonly Dictionary<(string Method, int Height), double> Authors = new()
    {
        [("rl-u", 8)] = 76.4, [("tb", 8)] = 57.5, [("rl-u", 32)] = 234,
    };

    public static int Run(BenchArguments args)
    {
        if (args.Help) { Console.WriteLine(Help); return 0; }
        int ndim = args.Int("ndim", 2, 1, 64);
        int[] heights = args.List<int>("heights", "8,32", "integers of at least 2",
            s => int.TryParse(s, CultureInfo.InvariantCulture, out int h) && h >= 2 ? h : null);
        var methods = args.List<(TrainingMethod Method, bool LearnBackward)>("methods", "rl-u,tb", $"method names ({TrainingMethodNames.AllowedVariants})",
            s => { try { return TrainingMethodNames.ParseVariant(s); } catch (ArgumentException) { return null; } });
        int iterations = args.Int("iterations", 200, 1);
        int batch = args.Int("batch-size", 128, 1);
        int seed = args.Int("seed", 0, 0);
        int threads = args.Int("threads", 1, 1, 256);
        double r0 = args.Double("r0", 0.01, 1e-12, 1e12);
        int repeat = args.Int("repeat", 1, 1, 100);
        string? blasPath = args.String("openblas");
        bool floors = args.String("floors", "yes") switch
        {
            "yes" => true,
            "no" => false,
            var other => throw new BenchUsageException($"training: --floors must be yes or no; got '{other}'."),
        };
        string? outPath = args.String("out");
        args.CheckAllRead();
        NativeSettings.Apply(threads);
        MatmulFloor.WallClock = threads > 1;
        string noBlas = "--floors no";
        var blas = floors ? OpenBlas.TryLoad(blasPath, out noBlas) : null;

        Console.WriteLine($"MKL Intel code paths: {(MklCpuDispatch.IntelCodePaths ? "on" : "off")} ({MklCpuDispatch.EnvironmentVariable}); "
            + (blas is null ? $"machine floor skipped: {noBlas}" : $"machine floor: OpenBLAS {blas.Core} kernel, 1 thread ({blas.Path})")
            + $"; torch threads {threads}; load average {LoadAverage()}");
        var rows = new List<Dictionary<string, object>>();
        var exactTable = new Table().AddColumns("grid", "states", "enumerate ms", "policy pass ms", "DP + metrics ms", "exact evaluation ms");
        var table = new Table().AddColumns("grid", "method", "ms/iter (wall)", "CPU ms/iter (spread)", "sampling ms", "update ms", "GFLOP/iter",
            "torch.mm floor ms", "machine floor ms", "CPU / torch floor", "fraction of machine SGEMM", "machine GFLOP/s", "authors' CPU ms", "speed-up");
        foreach (int height in heights)
        {
            var exact = MeasureExact(new HyperGrid(ndim, height, r0), batch, seed, threads, Math.Max(3, repeat));
            if (exact is not null)
                exactTable.AddRow($"D={ndim} H={height}", exact.States.ToString("N0", CultureInfo.InvariantCulture), F(exact.EnumerateMs), F(exact.PolicyMs), F(exact.DpMs), F(exact.PolicyMs + exact.DpMs));
            foreach (var (method, learnBackward) in methods)
            {
                string name = method.ToVariantName(learnBackward);
                // The same seed gives the same products in every run, so the floors are replayed from the first run only.
                var runs = Enumerable.Range(0, repeat).Select(i => Measure(new HyperGrid(ndim, height, r0), method, learnBackward, iterations, batch, seed, threads, i == 0 ? blas : null, floors: floors && i == 0)).ToList();
                runs = [.. runs.Select(x => x with { TorchFloorMs = runs[0].TorchFloorMs, MachineFloorMs = runs[0].MachineFloorMs })];
                var r = Median(runs);
                double spread = runs.Max(x => x.CpuMs) / runs.Min(x => x.CpuMs);
                bool hasAuthors = ndim == 2 && batch == 128 && Authors.TryGetValue((name, height), out _);
                double authors = hasAuthors ? Authors[(name, height)] : 0;
                double fraction = r.MachineFloorMs / r.CpuMs;
                table.AddRow($"D={ndim} H={height}", name, F(r.WallMs), $"{F(r.CpuMs)} ({spread:F2})", F(r.SamplingMs), F(r.UpdateMs), F(r.Gflop, "F3"),
                    floors ? F(r.TorchFloorMs) : "-", blas is null ? "-" : F(r.MachineFloorMs), floors ? F(r.CpuMs / r.TorchFloorMs, "F2") : "-", blas is null ? "-" : F(fraction, "F2"),
                    blas is null ? "-" : F(r.Gflop / r.MachineFloorMs * 1e3, "F0"), hasAuthors ? F(authors) : "-", hasAuthors ? F(authors / r.CpuMs, "F2") + "×" : "-");
                rows.Add(new()
                {
                    ["ndim"] = ndim, ["height"] = height, ["method"] = name, ["iterations"] = iterations, ["batchSize"] = batch, ["seed"] = seed,
                    ["threads"] = threads, ["repeat"] = repeat, ["mklIntelCodePaths"] = MklCpuDispatch.IntelCodePaths,
                    ["wallMsPerIteration"] = r.WallMs, ["cpuMsPerIteration"] = r.CpuMs, ["cpuSpread"] = spread,
                    ["samplingMsPerIteration"] = r.SamplingMs, ["updateMsPerIteration"] = r.UpdateMs, ["gflopPerIteration"] = r.Gflop,
                    ["torchFloorMsPerIteration"] = r.TorchFloorMs, ["machineFloorMsPerIteration"] = blas is null ? 0 : r.MachineFloorMs,
                    ["fractionOfMachineSgemm"] = blas is null ? 0 : fraction, ["meanTrajectoryLength"] = r.MeanLength,
                    ["states"] = exact?.States ?? 0, ["exactEvaluationMs"] = exact is null ? 0 : exact.PolicyMs + exact.DpMs,
                });
            }
        }
        AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 220);
        AnsiConsole.Write(table);
        if (exactTable.Rows.Count > 0) AnsiConsole.Write(exactTable);
        if (outPath is not null) File.WriteAllText(outPath, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
        return 0;

        static string F(double v, string format = "F1") => v.ToString(format, CultureInfo.InvariantCulture);
    }

    internal static string LoadAverage()
        => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private sealed record Result(double WallMs, double CpuMs, double SamplingMs, double UpdateMs, double TorchFloorMs, double MachineFloorMs, double Gflop, double MeanLength);

    private static Result Median(List<Result> results)
    {
        double M(Func<Result, double> f) => MedianOf(results.Select(f).ToList());
        return new Result(M(r => r.WallMs), M(r => r.CpuMs), M(r => r.SamplingMs), M(r => r.UpdateMs), M(r => r.TorchFloorMs), M(r => r.MachineFloorMs), M(r => r.Gflop), M(r => r.MeanLength));
    }

    private static double MedianOf(List<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }

    private static Result Measure(HyperGrid env, TrainingMethod method, bool learnBackward, int iterations, int batch, long seed, int threads, OpenBlas? blas, bool floors)
    {
        var options = new GFlowNetTrainerOptions
        {
            Method = method, LearnBackwardPolicy = learnBackward && !method.AlwaysLearnsBackward(), Iterations = iterations, BatchSize = batch,
            Seed = seed, EvalEvery = int.MaxValue, Threads = threads,
        };
        using var trainer = new GFlowNetTrainer(env, options);
        trainer.StartProfiling();
        trainer.Train();
        var p = trainer.Profile!;
        double n = p.Iterations;
        double torchFloor = floors ? MatmulFloor.Torch(p.Products) / n : 0;
        double machineFloor = blas is null ? 0 : MatmulFloor.Machine(p.Products, blas) / n;
        return new Result(p.WallTime.TotalMilliseconds / n, p.ProcessorTime.TotalMilliseconds / n, p.SamplingTime.TotalMilliseconds / n,
            p.UpdateTime.TotalMilliseconds / n, torchFloor, machineFloor, p.Flops / n / 1e9, p.MeanTrajectoryLength);
    }

    private sealed record ExactResult(int States, double EnumerateMs, double PolicyMs, double DpMs);

    /// <summary>The enumeration and one exact evaluation of a freshly initialised policy (the cost does not depend on the
    /// weights), each the median of <paramref name="repeat"/> measurements; null where the grid cannot be enumerated.</summary>
    private static ExactResult? MeasureExact(HyperGrid env, int batch, long seed, int threads, int repeat)
    {
        if (env.CellCount > HyperGrid.MaxEnumeratedStates) return null;
        var options = new GFlowNetTrainerOptions { Method = TrainingMethod.TrajectoryBalance, Iterations = 1, BatchSize = batch, Seed = seed, EvalEvery = int.MaxValue, Threads = threads };
        using var trainer = new GFlowNetTrainer(env, options);
        var space = trainer.StateSpace!;
        var enumerate = new List<double>();
        var policy = new List<double>();
        var dp = new List<double>();
        for (int i = 0; i < repeat; i++)
        {
            var clock = Stopwatch.StartNew();
            Evaluation.StateSpace.Enumerate(env);
            enumerate.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            float[] logProbabilities = trainer.ForwardLogProbabilities(space);
            policy.Add(clock.Elapsed.TotalMilliseconds);
            clock.Restart();
            Evaluation.ExactMetrics.Evaluate(space, logProbabilities, trainer.LogZ);
            dp.Add(clock.Elapsed.TotalMilliseconds);
        }
        return new ExactResult(space.Count, MedianOf(enumerate), MedianOf(policy), MedianOf(dp));
    }
}
