namespace GFlowNetML.Onnx;

/// <summary>Where a <see cref="SamplerSession"/> runs the model.</summary>
public enum SamplerDevice
{
    /// <summary>CUDA when a CUDA session really opens, else the CPU (the session says why in
    /// <see cref="SamplerSession.DeviceReason"/>).</summary>
    Auto,

    /// <summary>The CPU.</summary>
    Cpu,

    /// <summary>CUDA, or an <see cref="InvalidOperationException"/> when no CUDA session opens.</summary>
    Cuda,
}

/// <summary>How <see cref="SamplerSession.Sample"/> draws trajectories.</summary>
public enum SamplingMode
{
    /// <summary><see cref="WholeTrajectory"/> on CUDA when the environment has an ONNX step graph, else <see cref="HostLoop"/>
    /// (on the CPU the host loop measured as fast or faster).</summary>
    Auto,

    /// <summary>One ONNX Runtime call per batch runs the whole trajectory loop (built-in environments with an ONNX step).</summary>
    WholeTrajectory,

    /// <summary>The host steps the environment and calls the policy once per step for the whole batch (any environment).</summary>
    HostLoop,
}
