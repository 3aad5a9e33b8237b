using System.Runtime.InteropServices;

namespace GFlowNetML.Cli;

/// <summary>Process-wide TorchSharp settings, applied once before the first torch call.</summary>
internal static class TorchRuntime
{
    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi)]
    private static extern int SetEnv(string name, string value, int overwrite);

    /// <summary>Sets the number of torch threads. With more than one, OpenMP is told to wait passively first: on small
    /// machines libgomp's spin-waiting otherwise collapses throughput as soon as another process is busy. The variable
    /// must reach libc's environment (getenv), which .NET's Environment.SetEnvironmentVariable does not.</summary>
    public static void Configure(int threads)
    {
        if (threads > 1 && OperatingSystem.IsLinux()) SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0);
        TorchSharp.torch.set_num_threads(threads);
    }
}
