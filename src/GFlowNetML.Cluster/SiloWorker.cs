using GFlowNetML.Cluster.Grains;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace GFlowNetML.Cluster;

/// <summary>The silo's slots: <see cref="GFlowNetSiloOptions.Slots"/> threads, each leasing one run at a time from the
/// queue and training it (<see cref="RunExecution"/>). Placement is by pull: a silo asks for work only when a slot is
/// free, so no silo holds more runs than it has slots and an idle silo takes the next run.</summary>
internal sealed class SiloWorker(IGrainFactory grains, ILocalSiloDetails silo, IOptions<GFlowNetSiloOptions> options) : BackgroundService
{
    /// <summary>The key of the cluster's one run queue.</summary>
    public const string QueueKey = "runs";

    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(300);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        string name = silo.SiloAddress.ToString();
        o.Log?.Invoke($"silo {name}: {o.Slots} slot{(o.Slots == 1 ? "" : "s")}, gateway port {o.GatewayPort}");
        var threads = Enumerable.Range(0, o.Slots).Select(slot => new Thread(() => Slot(name, slot, stoppingToken))
        {
            Name = $"gflownet slot {slot}", IsBackground = true,
        }).ToList();
        threads.ForEach(t => t.Start());
        return Task.Run(() => threads.ForEach(t => t.Join()), CancellationToken.None);
    }

    private void Slot(string name, int slot, CancellationToken stop)
    {
        var queue = grains.GetGrain<IRunQueueGrain>(QueueKey);
        var o = options.Value;
        while (!stop.IsCancellationRequested)
        {
            RunLease? lease;
            try { lease = queue.Lease(name).WaitAsync(stop).GetAwaiter().GetResult(); }
            catch (OperationCanceledException) when (stop.IsCancellationRequested) { return; }
            catch (Exception) { lease = null; } // the queue is moving to another silo, or this one is starting
            if (lease is null)
            {
                stop.WaitHandle.WaitOne(IdlePoll);
                continue;
            }
            new RunExecution(grains, queue, lease, name, slot, o).Run(stop);
        }
    }
}
