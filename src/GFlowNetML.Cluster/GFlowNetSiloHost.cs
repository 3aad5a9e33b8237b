using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace GFlowNetML.Cluster;

/// <summary>
/// A worker silo: an Orleans silo that holds the run queue and the runs' checkpoints (grain storage) and trains up to
/// <see cref="GFlowNetSiloOptions.Slots"/> runs at once. With <c>redis://HOST:PORT</c>, membership and storage are in
/// that Redis server and any number of silos on any machines form one cluster; with <c>localhost</c>, one silo on this
/// machine keeps them in memory.
/// </summary>
public static class GFlowNetSiloHost
{
    /// <summary>The name of the grain storage provider the queue and checkpoints use.</summary>
    internal const string StorageName = "gflownet";

    /// <summary>Builds (does not start) the silo's host.</summary>
    /// <param name="connection">Where membership and storage are.</param>
    /// <param name="options">Slots, ports, lease timing and the log.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range (named).</exception>
    public static IHost Build(ClusterConnection connection, GFlowNetSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        return Build(silo =>
            {
                if (connection.IsRedis)
                {
                    var redis = ConfigurationOptions.Parse(connection.RedisConfiguration);
                    silo.UseRedisClustering(o => o.ConfigurationOptions = redis);
                    silo.AddRedisGrainStorage(StorageName, o => o.ConfigurationOptions = redis);
                    if (connection.IsLoopback) silo.ConfigureEndpoints(IPAddress.Loopback, options.SiloPort, options.GatewayPort);
                    else silo.ConfigureEndpoints(options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
                }
                else
                {
                    silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort);
                    silo.AddMemoryGrainStorage(StorageName);
                }
            }, options);
    }

    /// <summary>Builds (does not start) a silo whose clustering, grain storage and endpoints <paramref name="clusteringAndStorage"/>
    /// configures: any Orleans provider (ADO.NET, Azure, Kubernetes), with the grain storage named <c>gflownet</c>, e.g.
    /// <c>silo => silo.UseAdoNetClustering(o => ...).AddAdoNetGrainStorage("gflownet", o => ...)</c>.</summary>
    /// <param name="clusteringAndStorage">Configures membership, the <c>gflownet</c> grain storage and the endpoints.</param>
    /// <param name="options">Slots, lease timing and the log (the ports are the delegate's business here).</param>
    public static IHost Build(Action<ISiloBuilder> clusteringAndStorage, GFlowNetSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(clusteringAndStorage);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new HostBuilder()
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .UseOrleans(silo =>
            {
                silo.Configure<ClusterOptions>(ClusterMembership.Configure);
                silo.Configure<ClusterMembershipOptions>(ClusterMembership.Configure);
                silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(20));
                clusteringAndStorage(silo);
            })
            .ConfigureServices(services =>
            {
                services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
                services.AddHostedService<SiloWorker>();
            })
            .Build();
    }
}
