using System.Globalization;
using GFlowNetML.Cluster;
using GFlowNetML.Parameters;
using Microsoft.Extensions.Hosting;
using Spectre.Console;
using static GFlowNetML.Parameters.ParameterDeclaration;

namespace GFlowNetML.Cli.Commands;

/// <summary><c>gflownet silo</c>: starts a worker silo of a cluster and logs what it runs until interrupted.</summary>
internal static class SiloCommand
{
    private static readonly ParameterDeclaration Cluster = ClusterOption.Cluster with
    {
        Description = "the cluster to join: redis://HOST:PORT (membership and storage in that Redis server) or localhost", NoDefault = "required",
    };
    private static readonly ParameterDeclaration Slots = Integer("slots", null, 1, 1024, "runs trained at once, one torch thread each") with { NoDefault = "the cores" };
    private static readonly ParameterDeclaration Port = Integer("port", 11111, 1, 65535, "the silo-to-silo port");
    private static readonly ParameterDeclaration GatewayPort = Integer("gateway-port", 30000, 1, 65535, "the port clients connect to");

    /// <summary>The option table of <c>gflownet silo</c>.</summary>
    public static readonly OptionTable Table = new("silo", [new("Options:", [Cluster, Slots, Port, GatewayPort])]);

    /// <summary>The help text, from the option table.</summary>
    public static string Help => Table.Help("""
        gflownet silo --cluster redis://HOST:PORT|localhost [--slots N] [--port 11111] [--gateway-port 30000]
        Starts a worker silo (Microsoft Orleans) of the cluster whose membership and storage are in the Redis server at
        HOST:PORT, and trains the runs that 'gflownet compare|tune ... --cluster redis://HOST:PORT' submit, --slots at a
        time (default: this machine's cores), each with one torch thread. A run is checkpointed into Redis every
        --checkpoint-every iterations of its command; if this silo dies, another resumes it from there and ends with the
        same numbers. 'localhost' runs one silo with membership and storage in its memory (one machine, no Redis).
        Each silo of a machine needs its own --port and --gateway-port. Stop it with Ctrl+C or SIGTERM: its runs are
        handed back to the queue.
        """);

    public static int Run(ArgumentReader args, IAnsiConsole console, CancellationToken cancellationToken)
    {
        var connection = ClusterOption.Parse(args) ?? throw new UsageException("--cluster is required: redis://HOST:PORT (the Redis server of the cluster) or localhost.");
        int port = args.Int(Port);
        int gateway = args.Int(GatewayPort);
        if (gateway == port) throw new UsageException($"--gateway-port must differ from --port; both are {port}.");
        var options = new GFlowNetSiloOptions
        {
            Slots = args.Has(Slots) ? args.Int(Slots) : Environment.ProcessorCount, SiloPort = port, GatewayPort = gateway,
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
