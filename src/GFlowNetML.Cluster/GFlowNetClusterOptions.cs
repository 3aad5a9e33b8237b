namespace GFlowNetML.Cluster;

/// <summary>How a client (<see cref="GFlowNetCluster"/>) talks to the cluster.</summary>
public sealed class GFlowNetClusterOptions
{
    /// <summary>How long <see cref="GFlowNetCluster.ConnectAsync(string, GFlowNetClusterOptions?, CancellationToken)"/> tries to reach Redis and a silo's gateway before it
    /// gives up with <see cref="ClusterUnreachableException"/>. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a job waits when no silo answers (every silo died or stopped) before it fails with
    /// <see cref="ClusterUnreachableException"/> naming the unfinished runs; a silo started within it picks the job up.
    /// Default 120 s.</summary>
    public TimeSpan SiloWaitTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>How often a job's progress is read from the queue. Default 0.5 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Called with a line when the job starts or stops waiting for a silo; null for none.</summary>
    public Action<string>? Log { get; set; }

    /// <summary>Throws when an option is out of range, naming it.</summary>
    public void Validate()
    {
        if (ConnectTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "ConnectTimeout must be positive.");
        if (SiloWaitTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(SiloWaitTimeout), SiloWaitTimeout, "SiloWaitTimeout must be positive.");
        if (PollInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(PollInterval), PollInterval, "PollInterval must be positive.");
    }
}
