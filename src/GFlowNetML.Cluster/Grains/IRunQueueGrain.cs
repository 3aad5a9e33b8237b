namespace GFlowNetML.Cluster.Grains;

/// <summary>
/// The cluster's queue of runs: clients submit jobs (lists of run specs) and poll them; every silo slot leases one run at a
/// time, sends heartbeats while it trains and stores the result under its lease. A lease without a heartbeat for the
/// silo options' lease timeout goes back to the queue, and the next slot resumes it from its last checkpoint, so a run
/// whose silo died continues elsewhere; a result is accepted only under the run's current lease, so no run enters the
/// results twice. Its state (jobs, leases, results) is in grain storage: the grain itself moves to another silo when
/// the one holding it dies.
/// </summary>
internal interface IRunQueueGrain : IGrainWithStringKey
{
    /// <summary>Adds a job; a job id already known is left as it is (a client's retried submission).</summary>
    Task Submit(string jobId, RunSpec[] runs);

    /// <summary>The next pending run for a slot of <paramref name="silo"/>, or null when none waits.</summary>
    Task<RunLease?> Lease(string silo);

    /// <summary>A slot's progress on its run; false when the lease is no longer the run's (the slot must stop).</summary>
    Task<bool> Heartbeat(string jobId, int index, Guid token, long iteration, double? exactTotalVariation);

    /// <summary>Stores a finished run's outcome under its lease; false (and nothing stored) when the lease is stale.</summary>
    Task<bool> Complete(string jobId, int index, Guid token, RunOutcome outcome);

    /// <summary>Records that a run failed on its silo (the job then fails with this one-line error).</summary>
    Task<bool> Fail(string jobId, int index, Guid token, string error);

    /// <summary>Gives a lease back (a silo shutting down): the run waits for the next free slot, resuming from its checkpoint.</summary>
    Task Release(string jobId, int index, Guid token);

    /// <summary>Every run's state, in plan order; leases without a recent heartbeat are put back first. Null for an unknown job.</summary>
    Task<RunStatus[]?> Status(string jobId);

    /// <summary>The outcome of a finished run (null while it has not finished).</summary>
    Task<RunOutcome?> Outcome(string jobId, int index);

    /// <summary>Cancels a job: pending runs are dropped, running ones stop at their next heartbeat.</summary>
    Task Cancel(string jobId);

    /// <summary>Removes a job, its results and its runs' checkpoints.</summary>
    Task Forget(string jobId);
}

/// <summary>A run's latest checkpoint (the trainer's checkpoint bytes) in grain storage, keyed by job and run; only the
/// run's current lease may replace it.</summary>
internal interface IRunCheckpointGrain : IGrainWithStringKey
{
    /// <summary>Makes <paramref name="token"/> the lease allowed to write; returns the stored checkpoint's iteration and bytes.</summary>
    Task<(long Iteration, byte[]? Bytes)> Assign(Guid token);

    /// <summary>Stores the checkpoint of <paramref name="iteration"/>; false when <paramref name="token"/> is not the current lease.</summary>
    Task<bool> Save(Guid token, long iteration, byte[] bytes);

    /// <summary>Deletes the stored checkpoint.</summary>
    Task Clear();
}
