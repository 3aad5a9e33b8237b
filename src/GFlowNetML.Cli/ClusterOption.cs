using GFlowNetML.Cluster;

namespace GFlowNetML.Cli;

/// <summary><c>--cluster redis://HOST:PORT|localhost</c> and <c>--cluster-wait S</c> of compare and tune: parsed into a
/// connection, connected with one-line errors.</summary>
internal static class ClusterOption
{
    public static readonly string[] OptionNames = ["cluster", "cluster-wait"];

    /// <summary>How long a client tries to reach the cluster before it gives up (the "unreachable" error's bound).</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The connection of <c>--cluster</c>, or null without it.</summary>
    public static ClusterConnection? Parse(ArgumentReader a)
    {
        if (a.String("cluster") is not { } text)
        {
            if (a.Has("cluster-wait")) throw new UsageException("--cluster-wait applies only with --cluster redis://HOST:PORT.");
            return null;
        }
        try { return ClusterConnection.Parse(text); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }

    /// <summary>Connects, turning an unreachable cluster into the one-line run-time failure.</summary>
    public static GFlowNetCluster Connect(ClusterConnection connection, GFlowNetClusterOptions options, CancellationToken cancellationToken)
    {
        try { return GFlowNetCluster.ConnectAsync(connection.ToString(), options, cancellationToken).GetAwaiter().GetResult(); }
        catch (ClusterUnreachableException e) { throw new RunFailedException(e.Message, e); }
    }
}
