using GFlowNetML.Cluster;
using GFlowNetML.Parameters;
using static GFlowNetML.Parameters.ParameterDeclaration;

namespace GFlowNetML.Cli;

/// <summary><c>--cluster redis://HOST:PORT|localhost</c>, <c>--cluster-wait S</c> and <c>--checkpoint-every K</c> of compare
/// and tune: parsed into a connection, connected with one-line errors.</summary>
internal static class ClusterOption
{
    /// <summary><c>--cluster</c>: where the runs go.</summary>
    public static readonly ParameterDeclaration Cluster = Text("cluster", "redis://HOST:PORT",
        "submit the work to the silos of a cluster ('gflownet silo'): redis://HOST:PORT or localhost", noDefault: "in this process");

    /// <summary><c>--cluster-wait</c>: how long a job waits when no silo answers.</summary>
    public static readonly ParameterDeclaration ClusterWait = Integer("cluster-wait", 120, 1, 86_400,
        "with --cluster: seconds the job waits when no silo answers, then fails naming the unfinished work");

    /// <summary><c>--checkpoint-every</c>: how often a cluster run is checkpointed into the cluster's storage.</summary>
    public static readonly ParameterDeclaration CheckpointEvery = Integer("checkpoint-every", RunSpec.DefaultCheckpointEvery, 1, int.MaxValue,
        "with --cluster: every how many iterations a run is checkpointed into the cluster's storage (where another silo resumes it)");

    /// <summary>The cluster options of compare and tune.</summary>
    public static readonly OptionGroup RunGroup = new("Cluster:", [Cluster, ClusterWait, CheckpointEvery]);

    /// <summary>The cluster options of sample (samples are not checkpointed).</summary>
    public static readonly OptionGroup SampleGroup = new("Cluster:", [Cluster, ClusterWait]);

    /// <summary>The names of the cluster options (without dashes).</summary>
    public static readonly string[] OptionNames = [.. RunGroup.Options.Select(o => o.Name)];

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
