using GFlowNetML.Cluster;
using GFlowNetML.Environments;
using GFlowNetML.Tuning;
using Spectre.Console;

namespace GFlowNetML.Cli.Commands;

/// <summary><c>tune --cluster</c>: the experiment's trials train on the cluster's silos (<see cref="ClusterTrialRunner"/>),
/// --parallel of them at once; the trials and their metrics are those of the in-process tune.</summary>
internal sealed class ClusterTrials : IDisposable
{
    private readonly GFlowNetCluster? _cluster;
    private readonly ClusterTrialRunner? _runner;

    private ClusterTrials(GFlowNetCluster? cluster, ClusterTrialRunner? runner)
    {
        _cluster = cluster;
        _runner = runner;
    }

    /// <summary>Sets the cluster runner on <paramref name="experiment"/> when <c>--cluster</c> is given; else does nothing.</summary>
    public static ClusterTrials Attach(ArgumentReader args, GFlowNetExperiment experiment, GFlowNetEnvironment environment, IAnsiConsole console)
    {
        if (ClusterOption.Parse(args) is not { } connection) return new ClusterTrials(null, null);
        int every = args.Int(ClusterOption.CheckpointEvery);
        try
        {
            // Checked before connecting: an environment the silos cannot recreate is a usage error, not a cluster one.
            RunSpec.Create("check", environment, new Torch.Training.GFlowNetTrainerOptions());
        }
        catch (ArgumentException e) { throw new UsageException($"--cluster: {FailurePolicy.WithoutParameter(e)}"); }
        var cluster = ClusterOption.Connect(connection, ClusterOption.ClientOptions(args.Int(ClusterOption.ClusterWait), "tune"), CancellationToken.None);
        var runner = new ClusterTrialRunner(cluster, environment, experiment.Objective, every);
        experiment.SetTrialRunner(runner);
        console.MarkupLineInterpolated($"Trials train on the cluster at {connection}, up to {experiment.MaxConcurrentTrials} at once (--parallel)");
        return new ClusterTrials(cluster, runner);
    }

    public void Dispose()
    {
        _runner?.Dispose();
        _cluster?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
