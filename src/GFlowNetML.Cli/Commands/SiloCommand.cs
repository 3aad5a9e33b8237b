using System.Globalization;
using GFlowNetML.Cluster;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace GFlowNetML.Cli.Commands;

/// <summary><c>gflownet silo</c>: starts a worker silo of a cluster and logs what it runs until interrupted.</summary>
internal static class SiloCommand
{
    public const string Help = """
        gflownet silo --cluster redis://HOST:PORT|localhost [--slots N] [--port 11111] [--gateway-port 30000]
        Starts a worker silo (Microsoft Orleans) of the cluster whose membership and storage are in the Redis server at
        HOST:PORT, and trains the runs that 'gflownet compare|tune ... --cluster redis://HOST:PORT' submit, --slots at a
        time (default: this machine's cores), each with one torch thread. A run is checkpointed into Redis every
        --checkpoint-every iterations of its command; if this silo dies, another resumes it from there and ends with the
        same numbers. 'localhost' runs one silo with membership and storage in its memory (one machine, no Redis).
        Each silo of a machine needs its own --port and --gateway-port. Stop it with Ctrl+C or SIGTERM: its runs are
        handed back to the queue.
        """;

    public static readonly string[] OptionNames = ["cluster", "slots", "port", "gateway-port"];

    public static int Run(ArgumentReader args, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var connection = ClusterOption.Parse(args) ?? throw new UsageException("--cluster is required: redis://HOST:PORT (the Redis server of the cluster) or localhost.");
        int port = args.Int("port", 11111, 1, 65535);
        int gateway = args.Int("gateway-port", 30000, 1, 65535);
        if (gateway == port) throw new UsageException($"--gateway-port must differ from --port; both are {port}.");
        var options = new GFlowNetSiloOptions
        {
            Slots = args.Int("slots", Environment.ProcessorCount, 1, 1024), SiloPort = port, GatewayPort = gateway,
            Log = line => console.WriteLine($"{DateTime.UtcNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {line}"),
        };
        TorchRuntime.Configure(1);
        using var host = GFlowNetSiloHost.Build(connection, options);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            host.StartAsync(timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RunFailedException($"the silo could not join the cluster at {connection}: {FailurePolicy.OneLine(e.Message)} (is redis-server running there, and are ports {port} and {gateway} free?)", e);
        }
        console.WriteLine($"{DateTime.UtcNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} silo joined the cluster at {connection}; Ctrl+C stops it");
        cancellationToken.WaitHandle.WaitOne();
        console.WriteLine("stopping: runs in progress go back to the queue");
        host.StopAsync(TimeSpan.FromSeconds(20)).GetAwaiter().GetResult();
        return 0;
    }
}
