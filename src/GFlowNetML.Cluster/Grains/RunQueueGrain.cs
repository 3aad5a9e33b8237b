using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GFlowNetML.Cluster.Grains;

/// <summary>The run queue (<see cref="IRunQueueGrain"/>). Heartbeats are kept in memory only: after the grain moves to
/// another silo every lease gets a fresh lease timeout, within which live slots report again.</summary>
internal sealed class RunQueueGrain(
    [PersistentState("queue", GFlowNetSiloHost.StorageName)] IPersistentState<RunQueueState> state,
    IOptions<GFlowNetSiloOptions> options,
    ILogger<RunQueueGrain> log) : Grain, IRunQueueGrain
{
    private readonly Dictionary<(string Job, int Index), Beat> _beats = [];
    private readonly TimeSpan _leaseTimeout = options.Value.LeaseTimeout;

    private sealed record Beat(DateTime At, long Iteration, double? ExactTotalVariation);

    private List<QueuedJob> Jobs => state.State.Jobs;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        foreach (var job in Jobs)
            for (int i = 0; i < job.Runs.Count; i++)
                if (job.Runs[i].State == RunState.Running) _beats[(job.Id, i)] = new Beat(now, job.Runs[i].ResumedFrom, null);
        return Task.CompletedTask;
    }

    public async Task Submit(string jobId, RunSpec[] runs)
    {
        if (Find(jobId) is not null) return;
        Jobs.Add(new QueuedJob { Id = jobId, Runs = [.. runs.Select(r => new QueuedRun { Spec = r, State = RunState.Pending })] });
        await state.WriteStateAsync();
        log.LogInformation("job {Job}: {Count} runs queued", jobId, runs.Length);
    }

    public async Task<RunLease?> Lease(string silo)
    {
        await Reap();
        foreach (var job in Jobs)
        {
            if (job.Cancelled) continue;
            int index = job.Runs.FindIndex(r => r.State == RunState.Pending);
            if (index < 0) continue;
            var run = job.Runs[index];
            var token = Guid.NewGuid();
            var (iteration, checkpoint) = await GrainFactory.GetGrain<IRunCheckpointGrain>(CheckpointKey(job.Id, index)).Assign(token);
            run.State = RunState.Running;
            run.Token = token;
            run.Silo = silo;
            run.Attempts++;
            run.ResumedFrom = iteration;
            await state.WriteStateAsync();
            _beats[(job.Id, index)] = new Beat(DateTime.UtcNow, iteration, null);
            return new RunLease(job.Id, index, token, run.Spec, run.Attempts, iteration, checkpoint);
        }
        return null;
    }

    public Task<bool> Heartbeat(string jobId, int index, Guid token, long iteration, double? exactTotalVariation)
    {
        if (Current(jobId, index, token) is null) return Task.FromResult(false);
        _beats[(jobId, index)] = new Beat(DateTime.UtcNow, iteration, exactTotalVariation);
        return Task.FromResult(true);
    }

    public async Task<bool> Complete(string jobId, int index, Guid token, RunOutcome outcome)
    {
        if (Current(jobId, index, token) is not { } run) return false;
        run.State = RunState.Finished;
        run.Outcome = outcome with { Attempts = run.Attempts };
        run.Token = Guid.Empty;
        await state.WriteStateAsync();
        _beats.Remove((jobId, index));
        return true;
    }

    public async Task<bool> Fail(string jobId, int index, Guid token, string error)
    {
        if (Current(jobId, index, token) is not { } run) return false;
        run.State = RunState.Failed;
        run.Error = error;
        run.Token = Guid.Empty;
        Find(jobId)!.Cancelled = true; // the other runs of the job stop at their next heartbeat
        await state.WriteStateAsync();
        _beats.Remove((jobId, index));
        return true;
    }

    public async Task Release(string jobId, int index, Guid token)
    {
        if (Current(jobId, index, token) is not { } run) return;
        Requeue(jobId, index, run);
        await state.WriteStateAsync();
    }

    public async Task<RunStatus[]?> Status(string jobId)
    {
        await Reap();
        if (Find(jobId) is not { } job) return null;
        return [.. job.Runs.Select((r, i) =>
        {
            var beat = _beats.GetValueOrDefault((jobId, i));
            long iteration = r.State == RunState.Finished ? -1 : beat?.Iteration ?? r.ResumedFrom;
            return new RunStatus(i, r.State, iteration, beat?.ExactTotalVariation, r.Silo, r.Attempts, r.Error, r.ResumedFrom);
        })];
    }

    public Task<RunOutcome?> Outcome(string jobId, int index) =>
        Task.FromResult(Find(jobId) is { } job && index >= 0 && index < job.Runs.Count ? job.Runs[index].Outcome : null);

    public async Task Cancel(string jobId)
    {
        if (Find(jobId) is not { } job || job.Cancelled) return;
        job.Cancelled = true;
        await state.WriteStateAsync();
    }

    public async Task Forget(string jobId)
    {
        if (Find(jobId) is not { } job) return;
        for (int i = 0; i < job.Runs.Count; i++)
        {
            await GrainFactory.GetGrain<IRunCheckpointGrain>(CheckpointKey(jobId, i)).Clear();
            _beats.Remove((jobId, i));
        }
        Jobs.Remove(job);
        await state.WriteStateAsync();
    }

    internal static string CheckpointKey(string jobId, int index) => $"{jobId}/{index}";

    private QueuedJob? Find(string jobId) => Jobs.Find(j => j.Id == jobId);

    /// <summary>The run if <paramref name="token"/> is its current lease and its job goes on; else null.</summary>
    private QueuedRun? Current(string jobId, int index, Guid token)
    {
        if (Find(jobId) is not { } job || job.Cancelled || index < 0 || index >= job.Runs.Count) return null;
        var run = job.Runs[index];
        return run.State == RunState.Running && run.Token == token ? run : null;
    }

    /// <summary>Puts back every lease whose slot has not reported within the lease timeout (its silo died or hangs).</summary>
    private async Task Reap()
    {
        var now = DateTime.UtcNow;
        bool changed = false;
        foreach (var job in Jobs)
            for (int i = 0; i < job.Runs.Count; i++)
            {
                var run = job.Runs[i];
                if (run.State != RunState.Running) continue;
                if (_beats.TryGetValue((job.Id, i), out var beat) && now - beat.At < _leaseTimeout) continue;
                log.LogWarning("job {Job}: run '{Run}' on {Silo} sent no heartbeat for {Seconds:F0} s; queued again, to resume from its checkpoint", job.Id, run.Spec.Name, run.Silo, _leaseTimeout.TotalSeconds);
                Requeue(job.Id, i, run);
                changed = true;
            }
        if (changed) await state.WriteStateAsync();
    }

    private void Requeue(string jobId, int index, QueuedRun run)
    {
        run.State = RunState.Pending;
        run.Token = Guid.Empty;
        _beats.Remove((jobId, index));
    }
}
