using GFlowNetML.Torch.Training;
using static TorchSharp.torch;

namespace GFlowNetML.Benchmarks;

/// <summary>
/// The floors of a profiled run: its matrix products (<see cref="TrainingProfile.Products"/>, same shapes and operand
/// layout) replayed on their own, once as bare <c>torch.mm</c> calls (libtorch's floor: the trainer cannot beat its own
/// GEMM) and once through OpenBLAS's single-thread <c>cblas_sgemm</c> (the machine's floor). Each is the better of two
/// replays after a warm-up, in process CPU time (on a shared machine wall time also counts other processes' work).
/// </summary>
internal static class MatmulFloor
{
    /// <summary>CPU milliseconds of the products as <c>torch.mm</c> on the current torch thread count.</summary>
    public static double Torch(IReadOnlyList<MatrixProduct> products)
    {
        using var _ = no_grad();
        using var operands = NewDisposeScope();
        var cache = new Dictionary<(long, long), Tensor>();
        Tensor Operand(long rows, long columns)
        {
            if (!cache.TryGetValue((rows, columns), out var t)) cache[(rows, columns)] = t = rand(rows, columns);
            return t;
        }
        // Every operand exists before the replay, in the outer scope (the per-call scope disposes only the results).
        foreach (var p in products)
        {
            if (p.TransposeA) Operand(p.K, p.M); else Operand(p.M, p.K);
            if (p.TransposeB) Operand(p.N, p.K); else Operand(p.K, p.N);
        }
        return BestOfTwo(products, p =>
        {
            using var scope = NewDisposeScope();
            mm(p.TransposeA ? Operand(p.K, p.M).t() : Operand(p.M, p.K), p.TransposeB ? Operand(p.N, p.K).t() : Operand(p.K, p.N));
        });
    }

    /// <summary>CPU milliseconds of the products through OpenBLAS on one thread.</summary>
    public static unsafe double Machine(IReadOnlyList<MatrixProduct> products, OpenBlas blas)
    {
        long largest = products.Count == 0 ? 1 : products.Max(p => Math.Max(p.M * p.K, Math.Max(p.K * p.N, p.M * p.N)));
        float* a = Alloc(largest), b = Alloc(largest), c = Alloc(largest);
        try
        {
            var random = new Random(0);
            for (long i = 0; i < largest; i++) { a[i] = random.NextSingle(); b[i] = random.NextSingle(); }
            return BestOfTwo(products, p => blas.Sgemm(p.M, p.K, p.N, p.TransposeA, p.TransposeB, a, b, c));
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.AlignedFree(a);
            System.Runtime.InteropServices.NativeMemory.AlignedFree(b);
            System.Runtime.InteropServices.NativeMemory.AlignedFree(c);
        }

        static float* Alloc(long floats) => (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
    }

    /// <summary>The better of two full replays after a warm-up on the first tenth of the products: process CPU milliseconds
    /// when <see cref="WallClock"/> is off, else wall milliseconds (with several torch threads the CPU time sums them).</summary>
    private static double BestOfTwo(IReadOnlyList<MatrixProduct> products, Action<MatrixProduct> run)
    {
        for (int i = 0; i < products.Count / 10; i++) run(products[i]);
        double best = double.PositiveInfinity;
        for (int repeat = 0; repeat < 2; repeat++)
        {
            var before = Environment.CpuUsage.TotalTime;
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            foreach (var p in products) run(p);
            double ms = WallClock ? System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds : (Environment.CpuUsage.TotalTime - before).TotalMilliseconds;
            best = Math.Min(best, ms);
        }
        return best;
    }

    /// <summary>Whether the floors are timed by the wall clock (for more than one torch thread) instead of CPU time.</summary>
    public static bool WallClock { get; set; }
}
