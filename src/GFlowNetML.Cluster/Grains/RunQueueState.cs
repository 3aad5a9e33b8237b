namespace GFlowNetML.Cluster.Grains;

/// <summary>The stored state of the run queue: every job not yet forgotten, in submission order.</summary>
[GenerateSerializer]
internal sealed class RunQueueState
{
    /// <summary>The jobs, oldest first (leases go to the oldest job's runs first).</summary>
    [Id(0)] public List<QueuedJob> Jobs { get; set; } = [];
}

/// <summary>A submitted job.</summary>
[GenerateSerializer]
internal sealed class QueuedJob
{
    /// <summary>The job's id.</summary>
    [Id(0)] public string Id { get; set; } = "";

    /// <summary>Its runs, in plan order.</summary>
    [Id(1)] public List<QueuedRun> Runs { get; set; } = [];

    /// <summary>Whether the client cancelled it (or a run failed).</summary>
    [Id(2)] public bool Cancelled { get; set; }
}

/// <summary>One run of a job.</summary>
[GenerateSerializer]
internal sealed class QueuedRun
{
    /// <summary>The run's spec.</summary>
    [Id(0)] public RunSpec Spec { get; set; } = null!;

    /// <summary>Where it stands.</summary>
    [Id(1)] public RunState State { get; set; }

    /// <summary>The current lease (empty when pending).</summary>
    [Id(2)] public Guid Token { get; set; }

    /// <summary>The silo holding the lease, or that finished the run.</summary>
    [Id(3)] public string? Silo { get; set; }

    /// <summary>How many leases it has taken.</summary>
    [Id(4)] public int Attempts { get; set; }

    /// <summary>The outcome, once finished.</summary>
    [Id(5)] public RunOutcome? Outcome { get; set; }

    /// <summary>The error, once failed.</summary>
    [Id(6)] public string? Error { get; set; }

    /// <summary>The checkpoint iteration the current lease started from.</summary>
    [Id(7)] public long ResumedFrom { get; set; }
}
