using System.Runtime.InteropServices;

namespace GFlowNetML.Benchmarks;

/// <summary>The process settings the <c>gflownet</c> tool applies before training, applied here too so that the figures are
/// the tool's: passive OpenMP waiting for more than one thread, and glibc thresholds that keep libtorch's per-iteration
/// buffers mapped.</summary>
internal static class NativeSettings
{
    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv([MarshalAs(UnmanagedType.LPStr)] string name, [MarshalAs(UnmanagedType.LPStr)] string value, int overwrite);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int parameter, int value);

    public static void Apply(int threads)
    {
        if (OperatingSystem.IsLinux())
        {
            if (threads > 1) SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0);
            MallOpt(-3, 32 << 20); // M_MMAP_THRESHOLD: glibc's maximum on 64-bit
            MallOpt(-1, 512 << 20); // M_TRIM_THRESHOLD
        }
        TorchSharp.torch.set_num_threads(threads);
    }
}
