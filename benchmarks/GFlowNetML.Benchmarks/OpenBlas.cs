using System.Runtime.InteropServices;

namespace GFlowNetML.Benchmarks;

/// <summary>
/// OpenBLAS's <c>cblas_sgemm</c> on one thread, loaded at run time: the machine's single-thread SGEMM kernel (OpenBLAS picks
/// its kernel for the CPU it runs on; on AMD Zen 4 its AVX-512 "Cooperlake" kernel). Found at <c>--openblas PATH</c>,
/// <c>$GFLOWNETML_OPENBLAS</c> or Debian's locations; on Debian without the package:
/// <c>apt-get download libopenblas0-pthread &amp;&amp; dpkg -x libopenblas0-pthread_*.deb openblas</c>, then
/// <c>--openblas openblas/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0</c>.
/// </summary>
internal sealed unsafe class OpenBlas
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;

    private OpenBlas(IntPtr library, string path, string core)
    {
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)NativeLibrary.GetExport(library, "cblas_sgemm");
        Path = path;
        Core = core;
    }

    /// <summary>The library file loaded.</summary>
    public string Path { get; }

    /// <summary>The kernel OpenBLAS chose for this CPU (<c>openblas_get_corename</c>).</summary>
    public string Core { get; }

    /// <summary>Loads OpenBLAS from <paramref name="explicitPath"/> or the usual places and sets it to one thread; null with
    /// <paramref name="why"/> when none loads.</summary>
    public static OpenBlas? TryLoad(string? explicitPath, out string why)
    {
        string[] candidates = explicitPath is not null ? [explicitPath]
            : [.. new[] { Environment.GetEnvironmentVariable("GFLOWNETML_OPENBLAS") }.OfType<string>().Where(p => p.Length > 0),
               "/usr/lib/x86_64-linux-gnu/libopenblas.so.0", "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
               "/usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0", "/usr/lib/x86_64-linux-gnu/openblas-serial/libopenblas.so.0"];
        foreach (string path in candidates)
        {
            if (!File.Exists(path) || !NativeLibrary.TryLoad(path, out IntPtr library)) continue;
            if (!NativeLibrary.TryGetExport(library, "cblas_sgemm", out _)) continue;
            if (NativeLibrary.TryGetExport(library, "openblas_set_num_threads", out IntPtr setThreads))
                ((delegate* unmanaged<int, void>)setThreads)(1);
            string core = NativeLibrary.TryGetExport(library, "openblas_get_corename", out IntPtr name)
                ? Marshal.PtrToStringAnsi(((delegate* unmanaged<IntPtr>)name)()) ?? "?" : "?";
            why = "";
            return new OpenBlas(library, path, core);
        }
        why = explicitPath is not null ? $"--openblas {explicitPath} is not a loadable OpenBLAS (no cblas_sgemm)"
            : $"no OpenBLAS found (tried {string.Join(", ", candidates)}; give --openblas PATH)";
        return null;
    }

    /// <summary>C = A·B in row-major storage, A [M, K] (stored [K, M] when transposed), B [K, N] (stored [N, K] when transposed).</summary>
    public void Sgemm(long m, long k, long n, bool transposeA, bool transposeB, float* a, float* b, float* c)
        => _sgemm(RowMajor, transposeA ? Trans : NoTrans, transposeB ? Trans : NoTrans, (int)m, (int)n, (int)k, 1f,
            a, (int)(transposeA ? m : k), b, (int)(transposeB ? k : n), 0f, c, (int)n);
}
