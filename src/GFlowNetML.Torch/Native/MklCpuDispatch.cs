using System.Runtime.InteropServices;

namespace GFlowNetML.Torch.Native;

/// <summary>
/// Which code paths the Intel MKL inside libtorch (oneMKL 2024.0, linked into <c>libtorch_cpu.so</c>) runs its matrix
/// products on, chosen once per process from the environment variable <see cref="EnvironmentVariable"/> before the first
/// torch call. MKL picks its kernels by CPU vendor: on a CPU that does not identify as Intel it runs its generic AVX2
/// kernels even where the CPU has AVX-512 (AMD Zen 4). <c>intel</c> makes MKL's vendor check
/// (<c>mkl_serv_intel_cpu_true</c>) answer yes, so it dispatches on the instruction set alone: on this project's AMD EPYC
/// (Zen 4) single-thread SGEMM at the trainer's shapes goes from about 90 to about 105 GFLOP/s, the core's FMA peak.
/// </summary>
/// <remarks>
/// <para>Off by default: other kernels sum in another order, so a run's numbers differ from the default path's in the last
/// bits (losses agree to about 1e-6 relative on the first iteration and then drift apart as any two float schedules do);
/// with the variable set, the same seed gives the same run bit for bit. Values: unset, empty or <c>auto</c> (MKL's own
/// choice) and <c>intel</c>. It takes effect only before MKL's first product, so it is read when GFlowNetML.Torch loads
/// libtorch; set it in the environment of the process (<c>GFLOWNETML_MKL_CPU=intel gflownet train …</c>).</para>
/// <para>How: MKL calls its vendor check through the procedure linkage table of <c>libtorch_cpu.so</c>, so an
/// <c>LD_PRELOAD</c> library defining <c>mkl_serv_intel_cpu_true</c> does the same; this does it in process by replacing
/// the exported function's first instruction with <c>mov eax, 1; ret</c> (the page is made writable for the write and
/// executable-only again after). Linux x86-64 only; elsewhere, or on a libtorch without MKL, <c>intel</c> is refused with
/// one message.</para>
/// </remarks>
public static class MklCpuDispatch
{
    /// <summary>The environment variable read once, when libtorch loads: <c>auto</c> (the default) or <c>intel</c>.</summary>
    public const string EnvironmentVariable = "GFLOWNETML_MKL_CPU";

    private const string VendorCheck = "mkl_serv_intel_cpu_true";
    private const int ProtRead = 1, ProtWrite = 2, ProtExec = 4;
    private static readonly byte[] AnswerYes = [0xB8, 0x01, 0x00, 0x00, 0x00, 0xC3]; // mov eax, 1; ret

    /// <summary>Whether MKL runs its Intel code paths on this CPU in this process (<c>intel</c> was asked for and applied).
    /// Loads libtorch first if it is not loaded yet.</summary>
    public static bool IntelCodePaths
    {
        get
        {
            TorchNative.EnsureLoaded();
            return Applied;
        }
    }

    private static bool Applied { get; set; }

    /// <summary>The requested mode, or an error message naming the variable and its allowed values.</summary>
    internal static bool Requested(out string? error)
    {
        error = null;
        string value = (Environment.GetEnvironmentVariable(EnvironmentVariable) ?? "").Trim();
        if (value.Length == 0 || value.Equals("auto", StringComparison.OrdinalIgnoreCase)) return false;
        if (value.Equals("intel", StringComparison.OrdinalIgnoreCase)) return true;
        error = $"{EnvironmentVariable} must be auto or intel; got '{value}'.";
        return false;
    }

    /// <summary>Applies <c>intel</c> to the loaded <c>libtorch_cpu.so</c> when the environment asks for it, before MKL's
    /// first call; returns why it could not, or null.</summary>
    internal static string? Apply(IntPtr libtorchCpu)
    {
        if (!Requested(out string? error)) return error;
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return $"{EnvironmentVariable}=intel works on linux-x64 only; this is {RuntimeInformation.RuntimeIdentifier}. Unset it.";
        if (libtorchCpu == IntPtr.Zero || !NativeLibrary.TryGetExport(libtorchCpu, VendorCheck, out IntPtr function))
            return $"{EnvironmentVariable}=intel: this libtorch has no MKL vendor check ({VendorCheck}) to override. Unset it.";
        long pageSize = Environment.SystemPageSize;
        long start = function.ToInt64() & ~(pageSize - 1);
        long length = function.ToInt64() + AnswerYes.Length - start <= pageSize ? pageSize : 2 * pageSize;
        if (MProtect(new IntPtr(start), (nuint)length, ProtRead | ProtWrite | ProtExec) != 0)
            return $"{EnvironmentVariable}=intel: the code page of {VendorCheck} cannot be made writable (errno {Marshal.GetLastPInvokeError()}). Unset it.";
        Marshal.Copy(AnswerYes, 0, function, AnswerYes.Length);
        MProtect(new IntPtr(start), (nuint)length, ProtRead | ProtExec);
        Applied = true;
        return null;
    }

    [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static extern int MProtect(IntPtr address, nuint length, int protection);
}
