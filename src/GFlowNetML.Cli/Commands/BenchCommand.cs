using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GFlowNetML.Environments;
using GFlowNetML.Torch.Networks;
using GFlowNetML.Torch.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace GFlowNetML.Cli.Commands;

/// <summary>
/// <c>gflownet bench</c>: milliseconds per training iteration over the first N iterations from a seed, against the floor
/// of the same matrix products timed on their own. Every network call of the timed iterations is traced (rows per call);
/// the floor replays exactly those products as bare <c>torch.mm</c> calls — the forward product of every layer, the
/// weight gradient of every layer and the input gradient of every layer but the first, as each call implies — with the
/// same thread count. On a grid small enough to enumerate, it also times one exact evaluation (the policy over every
/// state, then the terminating distribution by dynamic programming and the metrics) and the enumeration itself.
/// </summary>
internal static class BenchCommand
{
    public const string Help = """
        gflownet bench [--ndim 2] [--heights 8,32] [--methods rl-u,tb] [--iterations 200] [--batch-size 128] [--seed 0]
                       [--threads 1] [--r0 0.01] [--repeat 1] [--out bench.json]
        Times the first --iterations training iterations (paper-sized networks) and the bare matrix-multiplication floor;
        with --repeat R, every figure is the median of R fresh measurements. Where the grid can be enumerated, also
        times the enumeration of its states and one exact evaluation (policy over all states + DP): medians of at least
        three, once per grid.
        """;

    /// <summary>CPU milliseconds per iteration of the authors' Python code on this kind of machine (from the issue
    /// tracker's measurement, one thread, optimized BLAS), for comparison.</summary>
    private static readonly Dictionary<(string Method, int Height), double> Reference = new()
    {
        [("rl-u", 8)] = 77, [("tb", 8)] = 48, [("rl-u", 32)] = 238, [("tb", 32)] = 111,
    };

    public static readonly string[] OptionNames = ["ndim", "heights", "methods", "iterations", "batch-size", "seed", "threads", "r0", "repeat", "out"];

    public static int Run(ArgumentReader args, IAnsiConsole console)
    {
        int ndim = args.Int("ndim", 2, 1, 64);
        int[] heights = ParseList<int>(args.String("heights", "8,32"), "heights", "integers of at least 2",
            s => int.TryParse(s, CultureInfo.InvariantCulture, out int h) && h >= 2 ? h : (int?)null);
        var methods = ParseList<(TrainingMethod Method, bool LearnBackward)>(args.String("methods", "rl-u,tb"), "methods", $"method names ({TrainingMethodNames.AllowedVariants})",
            s => { try { return TrainingMethodNames.ParseVariant(s); } catch (ArgumentException) { return null; } });
        int iterations = args.Int("iterations", 200, 1);
        int batch = args.Int("batch-size", 128, 1);
        long seed = args.Long("seed", 0);
        int threads = args.Int("threads", 1, 1, 256);
        double r0 = args.Double("r0", 0.01, 0, exclusiveMin: true);
        int repeat = args.Int("repeat", 1, 1, 100);
        string? outPath = args.String("out");
        TorchRuntime.Configure(threads);

        var rows = new List<Dictionary<string, object>>();
        var exactTable = new Table().AddColumns("grid", "states", "enumerate ms", "policy pass ms", "DP + metrics ms", "exact evaluation ms");
        var table = new Table().AddColumns("grid", "method", "ms/iter (wall)", "ms/iter (CPU)", "sample ms (floor)", "update ms (floor)", "matmul floor ms/iter", "ratio to floor", "GFLOP/iter", "authors' ms/iter", "speed-up");
        foreach (int height in heights)
        {
            var exact = MeasureExact(new HyperGrid(ndim, height, r0), batch, seed, threads, Math.Max(3, repeat));
            if (exact is not null)
                exactTable.AddRow($"D={ndim} H={height}", exact.States.ToString("N0", CultureInfo.InvariantCulture), F(exact.EnumerateMs), F(exact.PolicyMs), F(exact.DpMs), F(exact.PolicyMs + exact.DpMs));
            foreach (var (method, learnBackward) in methods)
            {
                string name = method.ToVariantName(learnBackward);
                var r = Median(Enumerable.Range(0, repeat).Select(_ => Measure(new HyperGrid(ndim, height, r0), method, learnBackward, iterations, batch, seed, threads)).ToList());
                Reference.TryGetValue((name, height), out double reference);
                bool hasReference = ndim == 2 && reference > 0 && batch == 128;
                table.AddRow($"D={ndim} H={height}", name, F(r.WallMs), F(r.CpuMs), $"{F(r.SampleMs)} ({F(r.SampleFloorMs)})", $"{F(r.UpdateMs)} ({F(r.FloorMs - r.SampleFloorMs)})", F(r.FloorMs), F(r.WallMs / r.FloorMs, "F2"),
                    F(r.Gflop, "F3"), hasReference ? F(reference, "F0") : "-", hasReference ? F(reference / r.CpuMs, "F1") + "×" : "-");
                rows.Add(new()
                {
                    ["ndim"] = ndim, ["height"] = height, ["method"] = name, ["iterations"] = iterations, ["batchSize"] = batch,
                    ["seed"] = seed, ["threads"] = threads, ["repeat"] = repeat, ["wallMsPerIteration"] = r.WallMs, ["cpuMsPerIteration"] = r.CpuMs, ["samplingMsPerIteration"] = r.SampleMs, ["updateMsPerIteration"] = r.UpdateMs,
                    ["floorMsPerIteration"] = r.FloorMs, ["samplingFloorMsPerIteration"] = r.SampleFloorMs, ["ratioToFloor"] = r.WallMs / r.FloorMs, ["gflopPerIteration"] = r.Gflop,
                    ["meanTrajectoryLength"] = r.MeanLength,
                    ["states"] = exact?.States ?? 0, ["enumerateMs"] = exact?.EnumerateMs ?? 0, ["exactPolicyMs"] = exact?.PolicyMs ?? 0,
                    ["exactDpMs"] = exact?.DpMs ?? 0, ["exactEvaluationMs"] = exact is null ? 0 : exact.PolicyMs + exact.DpMs,
                });
            }
        }
        console.Write(table);
        if (exactTable.Rows.Count > 0) console.Write(exactTable);
        if (outPath is not null)
            File.WriteAllText(outPath, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
        return 0;

        static string F(double v, string format = "F1") => v.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>Every figure's median over repeated measurements (the work itself is identical: same seed).</summary>
    private static Result Median(List<Result> results)
    {
        double M(Func<Result, double> f)
        {
            var v = results.Select(f).Order().ToArray();
            return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
        }
        return new Result(M(r => r.WallMs), M(r => r.CpuMs), M(r => r.SampleMs), M(r => r.UpdateMs), M(r => r.FloorMs),
            M(r => r.SampleFloorMs), M(r => r.Gflop), M(r => r.MeanLength));
    }

    /// <summary>The cost of exact evaluation on one grid: the number of states, the enumeration (once per run), and one
    /// evaluation split into the policy's pass over every state and the dynamic programme with the metrics.</summary>
    private sealed record ExactResult(int States, double EnumerateMs, double PolicyMs, double DpMs);

    /// <summary>Times the enumeration and one exact evaluation of a freshly initialised policy (the cost does not depend on
    /// the weights), each the median of <paramref name="repeat"/> measurements; null where the grid cannot be enumerated.</summary>
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

    private static double MedianOf(List<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
    }

    private sealed record Result(double WallMs, double CpuMs, double SampleMs, double UpdateMs, double FloorMs, double SampleFloorMs, double Gflop, double MeanLength);

    private static Result Measure(HyperGrid env, TrainingMethod method, bool learnBackward, int iterations, int batch, long seed, int threads)
    {
        var options = new GFlowNetTrainerOptions
        {
            Method = method, LearnBackwardPolicy = learnBackward && !method.AlwaysLearnsBackward(), Iterations = iterations, BatchSize = batch,
            Seed = seed, EvalEvery = int.MaxValue, Threads = threads,
        };
        using var trainer = new GFlowNetTrainer(env, options);
        var traces = trainer.Networks.Select(n => n.Trace = []).ToList();
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (int i = 0; i < iterations; i++) trainer.TrainOneIteration();
        wall.Stop();
        process.Refresh();
        double cpuMs = (process.TotalProcessorTime - cpu0).TotalMilliseconds / iterations;
        double wallMs = wall.Elapsed.TotalMilliseconds / iterations;
        double meanLength = traces[0].Where(t => t.Work == MlpWork.Forward).Sum(t => (double)t.Rows) / (iterations * (double)batch);

        // The floor: the same products, replayed as bare matrix multiplications.
        var sizes = trainer.Networks.Select(n => n.Sizes).ToList();
        var all = Products(sizes, traces, (_, _) => true);
        double flops = all.Sum(p => 2.0 * p.M * p.K * p.N);
        double floorMs = ReplayMatmuls(all) / iterations;
        // The sampling share: the policy's forward calls without a graph (one per sampling step).
        double sampleFloorMs = ReplayMatmuls(Products(sizes, traces, (k, work) => k == 0 && work == MlpWork.Forward)) / iterations;
        return new Result(wallMs, cpuMs, trainer.SamplingTime.TotalMilliseconds / iterations, trainer.UpdateTime.TotalMilliseconds / iterations,
            floorMs, sampleFloorMs, flops / iterations / 1e9, meanLength);
    }

    /// <summary>One matrix product [M, K] × [K, N]; the operands are stored transposed where the real pass reads them so.</summary>
    private readonly record struct Product(long M, long K, long N, bool TransposeA, bool TransposeB);

    /// <summary>The products the traced network calls imply: every layer's forward product; with a backward pass also
    /// every layer's weight gradient and, but for the first layer, its input gradient.</summary>
    private static List<Product> Products(List<int[]> sizes, List<List<(long Rows, MlpWork Work)>> traces, Func<int, MlpWork, bool> include)
    {
        var products = new List<Product>();
        for (int k = 0; k < sizes.Count; k++)
            foreach (var (r, work) in traces[k].Where(t => include(k, t.Work)))
                for (int l = 0; l + 1 < sizes[k].Length; l++)
                {
                    long i = sizes[k][l], o = sizes[k][l + 1];
                    if (work == MlpWork.JacobianVector)
                    {
                        products.Add(new(r, i, o, false, true));                             // h_in · dWᵀ
                        if (l > 0) products.Add(new(r, i, o, false, true));                  // dh_in · Wᵀ
                        continue;
                    }
                    if (work != MlpWork.Backward) products.Add(new(r, i, o, false, true));   // forward: [r, i] × [i, o]
                    if (work == MlpWork.Forward) continue;
                    products.Add(new(o, r, i, true, false));                                 // weight gradient: [o, r] × [r, i]
                    if (l > 0) products.Add(new(r, o, i, false, false));                     // input gradient: [r, o] × [o, i]
                }
        return products;
    }

    /// <summary>Times the products as bare <c>torch.mm</c> calls on contiguous operands of the same shapes, and returns
    /// the total milliseconds: the best of three replays after one warm-up.</summary>
    private static double ReplayMatmuls(List<Product> products)
    {
        using var _ = no_grad();
        using var operands = NewDisposeScope();
        var cache = new Dictionary<(long, long), Tensor>();
        Tensor Operand(long rows, long columns)
        {
            if (!cache.TryGetValue((rows, columns), out var t)) cache[(rows, columns)] = t = rand(rows, columns);
            return t;
        }
        var calls = products.Select(p => (A: p.TransposeA ? Operand(p.K, p.M) : Operand(p.M, p.K), B: p.TransposeB ? Operand(p.N, p.K) : Operand(p.K, p.N),
            p.TransposeA, p.TransposeB)).ToList();
        double best = double.PositiveInfinity;
        for (int repeat = 0; repeat < 4; repeat++)
        {
            var clock = Stopwatch.StartNew();
            foreach (var (a, b, ta, tb) in calls)
            {
                using var scope = NewDisposeScope();
                mm(ta ? a.t() : a, tb ? b.t() : b);
            }
            if (repeat > 0) best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }
        return best;
    }

    private static T[] ParseList<T>(string raw, string name, string allowed, Func<string, T?> parse) where T : struct
    {
        var items = raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var result = new List<T>();
        foreach (var s in items)
            result.Add(parse(s) ?? throw new UsageException($"--{name} must be a comma-separated list of {allowed}; got '{s}'."));
        if (result.Count == 0) throw new UsageException($"--{name} must be a non-empty comma-separated list of {allowed}.");
        return result.ToArray();
    }
}
