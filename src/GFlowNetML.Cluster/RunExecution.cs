using System.Globalization;
using System.Text.Json;
using GFlowNetML.Cluster.Grains;
using GFlowNetML.Onnx;
using GFlowNetML.Torch.Export;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Cluster;

/// <summary>One lease on one slot: recreates the run from its spec (or resumes it from the stored checkpoint), trains it on
/// this thread with one torch thread, stores a checkpoint every <see cref="RunSpec.CheckpointEvery"/> iterations, sends a
/// heartbeat with its progress every <see cref="GFlowNetSiloOptions.HeartbeatInterval"/>, and stores the result under its
/// lease. A lease found stale (the queue gave the run to another slot, or the job was cancelled) stops the training.</summary>
internal sealed class RunExecution(IGrainFactory grains, IRunQueueGrain queue, RunLease lease, string silo, int slot, GFlowNetSiloOptions options)
{
    private static readonly TimeSpan StoreRetryFor = TimeSpan.FromSeconds(60);
    private long _iteration;
    private double? _totalVariation;

    public void Run(CancellationToken stop)
    {
        string label = $"job {lease.JobId[..Math.Min(8, lease.JobId.Length)]} run {lease.Index} '{lease.Spec.Name}'";
        string directory = Path.Combine(Path.GetTempPath(), "gflownet-silo", $"{Environment.ProcessId}-{slot}-{lease.Token:N}");
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var checkpoints = grains.GetGrain<IRunCheckpointGrain>(RunQueueGrain.CheckpointKey(lease.JobId, lease.Index));
        _iteration = lease.CheckpointIteration;
        using var heartbeat = new Timer(_ => Beat(lost), null, TimeSpan.Zero, options.HeartbeatInterval);
        try
        {
            var (environment, trainerOptions) = lease.Spec.Open();
            Directory.CreateDirectory(directory);
            trainerOptions.CheckpointEvery = lease.Spec.CheckpointEvery;
            trainerOptions.CheckpointDirectory = directory;
            GFlowNetTrainer trainer;
            if (lease.Checkpoint is { } bytes)
            {
                File.WriteAllBytes(GFlowNetTrainer.CheckpointPath(directory), bytes);
                trainer = GFlowNetTrainer.Resume(environment, directory, threads: 1);
                options.Log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"slot {slot}: {label} resumed from iteration {lease.CheckpointIteration} (attempt {lease.Attempt})"));
            }
            else
            {
                trainer = new GFlowNetTrainer(environment, trainerOptions);
                options.Log?.Invoke($"slot {slot}: {label} started (attempt {lease.Attempt})");
            }
            using (trainer)
            {
                int every = lease.Spec.CheckpointEvery;
                var progress = new SynchronousProgress<TrainingProgress>(p =>
                {
                    Interlocked.Exchange(ref _iteration, p.Iteration);
                    if (p.LatestEvaluation is { } e && e.Iteration == p.Iteration && double.IsFinite(e.ExactTotalVariation)) _totalVariation = e.ExactTotalVariation;
                    // The trainer writes the checkpoint of iteration k·every right after reporting it: store it one iteration later.
                    long stored = p.Iteration - 1;
                    if (stored > 0 && stored % every == 0 && !lost.IsCancellationRequested)
                    {
                        byte[] checkpoint = File.ReadAllBytes(GFlowNetTrainer.CheckpointPath(directory));
                        bool ours;
                        try { ours = checkpoints.Save(lease.Token, stored, checkpoint).WaitAsync(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult(); }
                        catch (Exception) { ours = true; } // storage unreachable for now: the next checkpoint tries again
                        if (!ours) lost.Cancel();
                        else options.Log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"slot {slot}: {label} checkpoint of iteration {stored} stored"));
                    }
                });
                var result = trainer.Train(progress, lost.Token);
                if (!result.Completed)
                {
                    if (stop.IsCancellationRequested) Try(() => queue.Release(lease.JobId, lease.Index, lease.Token));
                    options.Log?.Invoke($"slot {slot}: {label} stopped at iteration {trainer.Iteration} ({(stop.IsCancellationRequested ? "silo stopping; queued again" : "lease taken back")})");
                    return;
                }
                byte[]? sampler = lease.Spec.ExportSampler ? Export(trainer, environment, result, directory) : null;
                var outcome = new RunOutcome(JsonSerializer.Serialize(result, ClusterJson.Options), sampler, silo, lease.CheckpointIteration, lease.Attempt);
                bool stored = Store(() => queue.Complete(lease.JobId, lease.Index, lease.Token, outcome), stop);
                options.Log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                    $"slot {slot}: {label} {(stored ? "finished" : "finished, but its lease was taken back (result dropped)")}: exact TV {result.Final.ExactTotalVariation:F4}, {result.Final.Seconds:F1} s"));
            }
        }
        catch (OperationCanceledException) when (lost.IsCancellationRequested)
        {
            options.Log?.Invoke($"slot {slot}: {label} stopped");
        }
        catch (Exception e)
        {
            string error = OneLine(e);
            Store(() => queue.Fail(lease.JobId, lease.Index, lease.Token, error), stop);
            options.Log?.Invoke($"slot {slot}: {label} failed: {error}");
        }
        finally
        {
            heartbeat.Dispose();
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private void Beat(CancellationTokenSource lost)
    {
        if (lost.IsCancellationRequested) return;
        try
        {
            bool ours = queue.Heartbeat(lease.JobId, lease.Index, lease.Token, Interlocked.Read(ref _iteration), _totalVariation)
                .WaitAsync(options.LeaseTimeout).GetAwaiter().GetResult();
            if (!ours) lost.Cancel();
        }
        catch (Exception) when (!lost.IsCancellationRequested)
        {
            // The queue is moving to another silo; the next beat reaches it there.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static byte[] Export(GFlowNetTrainer trainer, Environments.GFlowNetEnvironment environment, TrainingResult result, string directory)
    {
        var exported = PolicyExport.FromTrainer(trainer, result.Final);
        string path = Path.Combine(directory, "sampler.onnx");
        SamplerModel.Create(environment, exported.Policy, exported.Training).Save(path);
        return File.ReadAllBytes(path);
    }

    /// <summary>Calls the queue until it answers (it may be moving to another silo), for up to a minute.</summary>
    private static bool Store(Func<Task<bool>> call, CancellationToken stop)
    {
        var deadline = DateTime.UtcNow + StoreRetryFor;
        while (true)
        {
            try { return call().WaitAsync(TimeSpan.FromSeconds(20)).GetAwaiter().GetResult(); }
            catch (Exception) when (DateTime.UtcNow < deadline && !stop.IsCancellationRequested) { Thread.Sleep(500); }
            catch (Exception) { return false; }
        }
    }

    private static void Try(Func<Task> call)
    {
        try { call().WaitAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult(); } catch (Exception) { }
    }

    internal static string OneLine(Exception e)
    {
        var inner = e is AggregateException { InnerException: { } i } ? i : e;
        return string.Join(' ', inner.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
