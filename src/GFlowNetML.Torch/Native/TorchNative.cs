using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TorchSharp;

namespace GFlowNetML.Torch.Native;

/// <summary>
/// Loads libtorch through TorchSharp once per process, before the first torch call of GFlowNetML.Torch, so that a missing
/// or unloadable native library is one managed <see cref="InvalidOperationException"/> that says what is missing and what to
/// do, never TorchSharp's misleading "doesn't contain a reference to libtorch-cpu-linux-x64" or a process abort.
/// </summary>
/// <remarks>
/// On Linux it also repairs the one known defect of TorchSharp 0.107's <c>libLibTorchSharp.so</c>: a version need on
/// GLIBCXX_3.4.32 (GCC 13) that distributions such as Debian 12 cannot meet. The package's build targets already put a
/// patched copy into build, publish and tool outputs; when an unpatched copy is found anyway (the targets were turned off,
/// TorchSharp's own fallback copied natives from the NuGet cache, a script referenced the package directly), a patched copy
/// is written to a cache folder (<c>$GFLOWNETML_NATIVE_CACHE</c>, else <c>$XDG_CACHE_HOME/gflownetml/native</c>, else
/// <c>~/.cache/gflownetml/native</c>, else the temporary folder), its dependencies are loaded from the original folder, and
/// TorchSharp's <c>LibTorchSharp</c> imports are resolved to it. The original file is never written.
/// </remarks>
internal static class TorchNative
{
    /// <summary>The version need that TorchSharp 0.107's glue library declares without using it.</summary>
    internal const string StrayVersion = "GLIBCXX_3.4.32";

    private const string GlueFile = "libLibTorchSharp.so";
    private static readonly Lazy<string?> Failure = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The patched copy loaded in place of an unpatched glue library, or null when none was needed.</summary>
    internal static string? RepairedCopy { get; private set; }

    /// <summary>Makes sure libtorch is loaded; throws <see cref="InvalidOperationException"/> (every time) when it cannot be.</summary>
    public static void EnsureLoaded()
    {
        if (Failure.Value is { } message) throw new InvalidOperationException(message);
    }

    private static string? Load()
    {
        try
        {
            string? found = OperatingSystem.IsLinux() ? FindGlue() : null;
            if (found is { } glue && !TryLoad(glue, out string error))
            {
                if (!error.Contains("GLIBCXX_", StringComparison.Ordinal)) return Explain(glue, error);
                string? repairFailure = Repair(glue);
                if (repairFailure is not null) return Explain(glue, $"{error} (the repair failed: {repairFailure})");
            }
            // Before any torch call, so before MKL's first product (it fixes its kernels then).
            if (Environment.GetEnvironmentVariable(MklCpuDispatch.EnvironmentVariable) is { Length: > 0 })
            {
                string cpu = Path.Combine(found is null ? Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? "" : Path.GetDirectoryName(found)!, "libtorch_cpu.so");
                if (MklCpuDispatch.Apply(NativeLibrary.TryLoad(cpu, out IntPtr handle) ? handle : IntPtr.Zero) is { } dispatchError) return dispatchError;
            }
            torch.InitializeDeviceType(DeviceType.CPU);
            return null;
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or EntryPointNotFoundException
                                      or BadImageFormatException or TypeInitializationException or InvalidOperationException)
        {
            return Explain(FindGlue(), FirstLine((e as TypeInitializationException)?.InnerException?.Message ?? e.Message));
        }
    }

    private static string Explain(string? glue, string error)
        => $"GFlowNetML.Torch could not load libtorch (TorchSharp 0.107.0, libtorch 2.10.0 CPU{(glue is null ? "" : $", {glue}")}): {error} "
           + "Training needs linux-x64 with the packages TorchSharp and libtorch-cpu-linux-x64 restored into the application's "
           + "output (a reference to GFlowNetML.Torch or GFlowNetML brings both); rebuild the application, and check that the "
           + "libtorch files next to it are complete. Sampling from an exported model needs only GFlowNetML.Onnx.";

    /// <summary>The glue library the runtime would load: in the application's native search folders or beside TorchSharp.dll.</summary>
    private static string? FindGlue()
    {
        var folders = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchPath)
            folders.AddRange(searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        string torchSharpFolder = Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? "";
        if (torchSharpFolder.Length > 0)
        {
            folders.Add(torchSharpFolder);
            folders.Add(Path.Combine(torchSharpFolder, "runtimes", "linux-x64", "native"));
        }
        return folders.Select(f => Path.Combine(f, GlueFile)).FirstOrDefault(File.Exists);
    }

    /// <summary>Loads libtorch's libraries from the glue library's folder and then the glue library itself.</summary>
    private static bool TryLoad(string glue, out string error)
    {
        string folder = Path.GetDirectoryName(glue)!;
        foreach (string dependency in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
        {
            string path = Path.Combine(folder, dependency);
            if (File.Exists(path) && !TryLoadFile(path, out error)) return false;
        }
        return TryLoadFile(glue, out error);
    }

    private static bool TryLoadFile(string path, out string error)
    {
        try
        {
            NativeLibrary.Load(path);
            error = "";
            return true;
        }
        catch (DllNotFoundException e)
        {
            // The loader's own reason (dlerror: "version `GLIBCXX_3.4.32' not found …") follows .NET's first line.
            error = OneLine(e.Message);
            return false;
        }
    }

    /// <summary>Writes a patched copy of <paramref name="glue"/> to the cache and resolves TorchSharp's imports to it; returns
    /// why that failed, or null.</summary>
    private static string? Repair(string glue)
    {
        byte[] data = File.ReadAllBytes(glue);
        var state = ElfVersionNeed.Weaken(data, StrayVersion, out string? problem);
        if (state != ElfVersionNeedState.Weakened)
            return state == ElfVersionNeedState.Malformed ? problem : $"it has no strong need of {StrayVersion} to weaken";
        string hash = Convert.ToHexStringLower(SHA256.HashData(data))[..16];
        string? copy = null;
        foreach (string root in CacheRoots())
        {
            try
            {
                string folder = Path.Combine(root, hash);
                Directory.CreateDirectory(folder);
                string path = Path.Combine(folder, GlueFile);
                if (!File.Exists(path) || !SHA256.HashData(File.ReadAllBytes(path)).AsSpan().SequenceEqual(SHA256.HashData(data)))
                {
                    string temp = Path.Combine(folder, $".{GlueFile}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
                    File.WriteAllBytes(temp, data);
                    File.Move(temp, path, overwrite: true);
                }
                copy = path;
                break;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // try the next cache root
            }
        }
        if (copy is null) return $"no writable cache folder among {string.Join(", ", CacheRoots())}";
        if (!TryLoadFile(copy, out string error)) return error;
        IntPtr handle = NativeLibrary.Load(copy);
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(torch).Assembly,
                (name, _, _) => name is "LibTorchSharp" or GlueFile or "libLibTorchSharp" ? handle : IntPtr.Zero);
        }
        catch (InvalidOperationException)
        {
            return "another import resolver is already set for TorchSharp";
        }
        RepairedCopy = copy;
        return null;
    }

    private static IEnumerable<string> CacheRoots()
    {
        if (Environment.GetEnvironmentVariable("GFLOWNETML_NATIVE_CACHE") is { Length: > 0 } explicitRoot) yield return explicitRoot;
        if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg) yield return Path.Combine(xdg, "gflownetml", "native");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 0) yield return Path.Combine(home, ".cache", "gflownetml", "native");
        yield return Path.Combine(Path.GetTempPath(), $"gflownetml-native-{Environment.UserName}");
    }

    private static string OneLine(string message)
    {
        string line = string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length > 1200 ? line[..1200] + "…" : line;
    }

    private static string FirstLine(string message)
    {
        string line = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? message;
        return line.Length > 400 ? line[..400] + "…" : line;
    }
}
