using System.Runtime.InteropServices;

namespace GFlowNetML.Cli;

/// <summary>Process-wide TorchSharp settings, applied once before the first torch call.</summary>
internal static class TorchRuntime
{
    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi)]
    private static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);

    private const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3;

    /// <summary>Sets the number of torch threads. With more than one, OpenMP is told to wait passively first: on small
    /// machines libgomp's spin-waiting otherwise collapses throughput as soon as another process is busy. The variable
    /// must reach libc's environment (getenv), which .NET's Environment.SetEnvironmentVariable does not.</summary>
    /// <remarks>It also keeps glibc's allocator from returning libtorch's large per-iteration buffers (activations and
    /// gradients of a whole batch, megabytes each) to the kernel after every iteration: with the default mmap and trim
    /// thresholds each iteration maps them anew and pays a page fault and a zero-fill per 4 KiB page.</remarks>
    public static void Configure(int threads)
    {
        // libtorch aborts the process (c10::Error, SIGABRT) on a non-positive count: refuse it here instead.
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (OperatingSystem.IsLinux())
        {
            if (threads > 1) SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0);
            MallOpt(M_MMAP_THRESHOLD, 32 << 20); // glibc's maximum on 64-bit
            MallOpt(M_TRIM_THRESHOLD, 512 << 20);
        }
        GFlowNetML.Torch.Native.TorchNative.EnsureLoaded();
        TorchSharp.torch.set_num_threads(threads);
    }
}
