using GFlowNetML.Cluster;

namespace GFlowNetML.Cli;

/// <summary><c>--cluster redis://HOST:PORT|localhost</c>, <c>--cluster-wait S</c> and <c>--checkpoint-every K</c> of compare
/// and tune: parsed into a connection, connected with one-line errors.</summary>
internal static class ClusterOption
{
    public static readonly string[] OptionNames = ["cluster", "cluster-wait", "checkpoint-every"];

    /// <summary>How long a client tries to reach the cluster before it gives up (the "unreachable" error's bound).</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The connection of <c>--cluster</c>, or null without it.</summary>
    public static ClusterConnection? Parse(ArgumentReader a)
    {
        if (a.String("cluster") is not { } text)
        {
            foreach (string name in OptionNames.Skip(1))
                if (a.Has(name)) throw new UsageException($"--{name} applies only with --cluster redis://HOST:PORT.");
            return null;
        }
        try { return ClusterConnection.Parse(text); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }

    /// <summary>The client options of <c>--cluster-wait</c> (seconds of waiting when no silo answers; default 120).</summary>
    public static GFlowNetClusterOptions ClientOptions(int waitSeconds, string command) => new()
    {
        ConnectTimeout = ConnectTimeout, SiloWaitTimeout = TimeSpan.FromSeconds(waitSeconds),
        Log = line => Console.Error.WriteLine($"gflownet {command}: {line}"),
    };

    /// <summary>Connects, turning an unreachable cluster into the one-line run-time failure.</summary>
    public static GFlowNetCluster Connect(ClusterConnection connection, GFlowNetClusterOptions options, CancellationToken cancellationToken)
    {
        try { return GFlowNetCluster.ConnectAsync(connection.ToString(), options, cancellationToken).GetAwaiter().GetResult(); }
        catch (ClusterUnreachableException e) { throw new RunFailedException(e.Message, e); }
    }
}
