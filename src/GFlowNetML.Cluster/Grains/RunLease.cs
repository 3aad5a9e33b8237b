namespace GFlowNetML.Cluster.Grains;

/// <summary>A run handed to one slot of a silo: which run, the lease's token (a slot whose lease was taken from it — its
/// silo declared dead, the job cancelled — can no longer store a checkpoint or a result), the spec, and the checkpoint to
/// resume from.</summary>
[GenerateSerializer, Immutable]
internal sealed record RunLease(
    [property: Id(0)] string JobId,
    [property: Id(1)] int Index,
    [property: Id(2)] Guid Token,
    [property: Id(3)] RunSpec Spec,
    [property: Id(4)] int Attempt,
    [property: Id(5)] long CheckpointIteration,
    [property: Id(6)] byte[]? Checkpoint);

/// <summary>What a silo returns for a run that trained all its iterations.</summary>
/// <param name="Result">The <see cref="Torch.Training.TrainingResult"/> as JSON (<see cref="ClusterJson"/>).</param>
/// <param name="Sampler">The ONNX sampler model's bytes, when the spec asked for it.</param>
/// <param name="Silo">The silo that finished the run.</param>
/// <param name="ResumedFrom">The checkpoint iteration the final attempt started from (0: from the start).</param>
/// <param name="Attempts">How many leases the run took (1: no silo died under it).</param>
[GenerateSerializer, Immutable]
internal sealed record RunOutcome(
    [property: Id(0)] string Result,
    [property: Id(1)] byte[]? Sampler,
    [property: Id(2)] string Silo,
    [property: Id(3)] long ResumedFrom,
    [property: Id(4)] int Attempts);

/// <summary>Where a run of a job stands.</summary>
internal enum RunState
{
    /// <summary>Waiting for a free slot.</summary>
    Pending,

    /// <summary>Training on a silo.</summary>
    Running,

    /// <summary>Trained all its iterations; the outcome is stored.</summary>
    Finished,

    /// <summary>Failed on a silo (the error is stored); the job fails.</summary>
    Failed,
}

/// <summary>One run's state as the client sees it.</summary>
[GenerateSerializer, Immutable]
internal sealed record RunStatus(
    [property: Id(0)] int Index,
    [property: Id(1)] RunState State,
    [property: Id(2)] long Iteration,
    [property: Id(3)] double? ExactTotalVariation,
    [property: Id(4)] string? Silo,
    [property: Id(5)] int Attempts,
    [property: Id(6)] string? Error,
    [property: Id(7)] long ResumedFrom);
