namespace GFlowNetML.Onnx;

/// <summary>Options of <see cref="SamplerSession"/>.</summary>
public sealed class SamplerSessionOptions
{
    /// <summary>The device. Default <see cref="SamplerDevice.Auto"/>.</summary>
    public SamplerDevice Device { get; set; } = SamplerDevice.Auto;

    /// <summary>The CUDA device id. Default 0; at least 0.</summary>
    public int GpuDeviceId { get; set; }

    /// <summary>The number of trajectories per ONNX Runtime call. Default 4096; 1 to <see cref="MaxBatchSize"/>.</summary>
    public int BatchSize { get; set; } = 4096;

    /// <summary>The largest <see cref="BatchSize"/> (2^20): one batch's arrays (rows × actions) stay far from the array limit.</summary>
    public const int MaxBatchSize = 1 << 20;

    /// <summary>ONNX Runtime's intra-op threads (0 = its default, one per core). Default 0; at least 0.</summary>
    public int Threads { get; set; }

    /// <summary>With CUDA, refuse to run any node on the CPU (ONNX Runtime's <c>session.disable_cpu_ep_fallback</c>), so
    /// that a session that opens proves the whole graph runs on the GPU. Default false.</summary>
    public bool RequireAllNodesOnGpu { get; set; }

    internal void Validate()
    {
        if (!Enum.IsDefined(Device)) throw new ArgumentOutOfRangeException(nameof(Device), Device, "Device must be Auto, Cpu or Cuda.");
        if (GpuDeviceId < 0) throw new ArgumentOutOfRangeException(nameof(GpuDeviceId), GpuDeviceId, "GpuDeviceId must be at least 0.");
        if (BatchSize is < 1 or > MaxBatchSize) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"BatchSize must be in 1..{MaxBatchSize}.");
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be at least 0.");
    }

    internal SamplerSessionOptions Clone() => (SamplerSessionOptions)MemberwiseClone();
}
