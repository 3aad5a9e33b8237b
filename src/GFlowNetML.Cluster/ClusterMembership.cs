using Orleans.Configuration;

namespace GFlowNetML.Cluster;

/// <summary>The membership settings silos and clients share: a killed silo is declared dead within about 4 s (probes every
/// 1 s, 1 s probe timeout, 2 missed probes, 1 vote), so that the grains it held (the run queue, checkpoints) move to a
/// live silo quickly; the client refreshes its gateway list every 2 s.</summary>
internal static class ClusterMembership
{
    public const string ClusterId = "gflownet";
    public const string ServiceId = "gflownet";

    public static void Configure(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.NumMissedProbesLimit = 2;
        o.NumProbedSilos = 2;
        o.NumVotesForDeathDeclaration = 1;
        o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        o.DefunctSiloExpiration = TimeSpan.FromMinutes(1);
        o.DefunctSiloCleanupPeriod = TimeSpan.FromMinutes(1);
    }

    public static void Configure(ClusterOptions o)
    {
        o.ClusterId = ClusterId;
        o.ServiceId = ServiceId;
    }
}
