using GFlowNetML.Torch.Training;

namespace GFlowNetML.Cluster;

/// <summary>A run that trained all its iterations on the cluster.</summary>
/// <param name="Index">Its position in the submitted list.</param>
/// <param name="Spec">Its spec.</param>
/// <param name="Result">What the trainer returned: the same evaluations, bit for bit, as the run in one process
/// (<see cref="EvaluationRecord.Seconds"/> aside), however many silos it moved between.</param>
/// <param name="Sampler">The ONNX sampler model (<see cref="RunSpec.ExportSampler"/>), or null.</param>
/// <param name="Silo">The silo that finished it.</param>
/// <param name="Attempts">How many silos it was leased to (1: none died under it).</param>
/// <param name="ResumedFrom">The checkpoint iteration its last attempt resumed from (0: from the start).</param>
public sealed record ClusterRunResult(int Index, RunSpec Spec, TrainingResult Result, byte[]? Sampler, string Silo, int Attempts, long ResumedFrom);

/// <summary>Where a run of a job stands.</summary>
public enum ClusterRunState
{
    /// <summary>Waiting for a free slot.</summary>
    Pending,

    /// <summary>Training on a silo.</summary>
    Running,

    /// <summary>Trained all its iterations (<see cref="ClusterRunProgress.Result"/> holds the result).</summary>
    Finished,

    /// <summary>Failed on its silo.</summary>
    Failed,
}

/// <summary>A change in one run of a job, reported through <see cref="IProgress{T}"/> by <see cref="GFlowNetCluster.RunAsync"/>.</summary>
/// <param name="Index">The run's position in the submitted list.</param>
/// <param name="Name">The run's <see cref="RunSpec.Name"/>.</param>
/// <param name="State">Where it stands.</param>
/// <param name="Iteration">The iterations done (as of the slot's last heartbeat).</param>
/// <param name="ExactTotalVariation">The latest exact total variation the slot reported, if any.</param>
/// <param name="Silo">The silo running (or that finished) it.</param>
/// <param name="Attempts">How many silos it has been leased to.</param>
/// <param name="Result">The result, once <see cref="ClusterRunState.Finished"/>.</param>
public sealed record ClusterRunProgress(int Index, string Name, ClusterRunState State, long Iteration, double? ExactTotalVariation, string? Silo, int Attempts, ClusterRunResult? Result);

/// <summary>The cluster cannot be reached (Redis or every silo's gateway), or stopped answering for longer than
/// <see cref="GFlowNetClusterOptions.SiloWaitTimeout"/>. The message is one line.</summary>
public sealed class ClusterUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A run failed on its silo (a diverged run, a spec the silo cannot read); the job's other runs were stopped.</summary>
/// <param name="run">The run's name.</param>
/// <param name="message">One line naming the run and the cause.</param>
public sealed class ClusterRunFailedException(string run, string message) : Exception(message)
{
    /// <summary>The failed run's <see cref="RunSpec.Name"/>.</summary>
    public string Run { get; } = run;
}
