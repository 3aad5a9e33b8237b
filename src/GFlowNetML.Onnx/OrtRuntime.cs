using Microsoft.ML.OnnxRuntime;

namespace GFlowNetML.Onnx;

/// <summary>
/// The process's ONNX Runtime environment, created once with the FATAL log level before any session (so that a failed
/// CUDA attempt writes nothing to stderr), and session creation on the CPU or CUDA.
/// </summary>
internal static class OrtRuntime
{
    private static readonly Lazy<OrtEnv> Environment = new(CreateEnvironment, LazyThreadSafetyMode.ExecutionAndPublication);

    private static OrtEnv CreateEnvironment()
    {
        var options = new EnvironmentCreationOptions { logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, logId = "gflownetml" };
        OrtEnv env;
        try { env = OrtEnv.CreateInstanceWithOptions(ref options); }
        catch (OnnxRuntimeException) { env = OrtEnv.Instance(); } // created earlier by someone else
        try { env.DisableTelemetryEvents(); } catch (OnnxRuntimeException) { }
        return env;
    }

    /// <summary>Opens a CUDA session, or returns null with the reason when CUDA cannot be used.</summary>
    public static InferenceSession? TryOpenCuda(byte[] model, SamplerSessionOptions options, out string error)
    {
        if (!HasCudaProvider)
        {
            error = "this ONNX Runtime build has no CUDA execution provider: the CPU package Microsoft.ML.OnnxRuntime is in use; " +
                    "reference the GFlowNetML.Onnx.Gpu package for CUDA inference";
            return null;
        }
        using var sessionOptions = Options(options);
        if (options.RequireAllNodesOnGpu) sessionOptions.AddSessionConfigEntry("session.disable_cpu_ep_fallback", "1");
        try
        {
            sessionOptions.AppendExecutionProvider_CUDA(options.GpuDeviceId);
            var session = new InferenceSession(model, sessionOptions);
            error = "";
            return session;
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            error = FirstLine(e.Message);
            return null;
        }
    }

    /// <summary>Whether the loaded ONNX Runtime was built with the CUDA execution provider (the GPU package), whatever
    /// the machine: the CPU package lists only the CPU provider.</summary>
    public static bool HasCudaProvider => CudaProviderPresent.Value;

    private static readonly Lazy<bool> CudaProviderPresent = new(
        () => Environment.Value.GetAvailableProviders().Contains("CUDAExecutionProvider"), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Opens a CPU session.</summary>
    public static InferenceSession OpenCpu(byte[] model, SamplerSessionOptions options)
    {
        _ = Environment.Value;
        using var sessionOptions = Options(options);
        return new InferenceSession(model, sessionOptions);
    }

    private static SessionOptions Options(SamplerSessionOptions options)
    {
        var sessionOptions = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        if (options.Threads > 0)
        {
            sessionOptions.IntraOpNumThreads = options.Threads;
            sessionOptions.InterOpNumThreads = 1;
        }
        return sessionOptions;
    }

    private static string FirstLine(string message)
    {
        string line = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? message;
        return line.Length > 300 ? line[..300] + "…" : line;
    }
}
