using System.Globalization;
using GFlowNetML.Cluster;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Cli.Compare;

/// <summary>
/// <c>compare --cluster</c>: submits a comparison's plan to the cluster's silos as one job and reports it through the
/// runner's callbacks (started, progress, finished) as the in-process runs do, so that the display and compare.json are
/// the same; every run's evaluations are those of the in-process run, bit for bit (seconds aside).
/// </summary>
internal static class ClusterComparison
{
    public static (IReadOnlyList<FinishedRun> Runs, bool Completed) Run(CompareRunner runner, CompareSettings settings, CancellationToken cancellationToken)
    {
        var environment = settings.Environment.CreateEnvironment();
        var plan = runner.Plan;
        List<RunSpec> specs;
        try
        {
            specs = [.. plan.Select(r => RunSpec.Create(Name(r), environment, settings.OptionsFor(r.Method, r.Seed), settings.ClusterCheckpointEvery))];
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--cluster: {FailurePolicy.WithoutParameter(e)}");
        }
        var cluster = ClusterOption.Connect(settings.Cluster!, ClusterOption.ClientOptions(settings.ClusterWaitSeconds, "compare"), cancellationToken);
        var finished = new FinishedRun?[plan.Count];
        var attempts = new int[plan.Count];
        int count = 0;
        var gate = new object();
        var progress = new SynchronousProgress<ClusterRunProgress>(p =>
        {
            lock (gate)
            {
                var run = plan[p.Index];
                if (p.Attempts > attempts[p.Index] && p.State is ClusterRunState.Running or ClusterRunState.Finished)
                {
                    attempts[p.Index] = p.Attempts;
                    runner.Started?.Invoke(run);
                }
                if (p.State == ClusterRunState.Running) runner.Progress?.Invoke(run, new RunProgress(p.Iteration, p.ExactTotalVariation));
                if (p.Result is { } r && finished[p.Index] is null)
                {
                    runner.Progress?.Invoke(run, new RunProgress(r.Result.Final.Iteration, r.Result.Final.ExactTotalVariation));
                    finished[p.Index] = new FinishedRun(run, r.Result);
                    runner.Finished?.Invoke(finished[p.Index]!, ++count);
                }
            }
        });
        try
        {
            cluster.RunAsync(specs, progress, cancellationToken).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            var done = finished.OfType<FinishedRun>().ToList();
            return (done, false);
        }
        catch (ClusterRunFailedException e)
        {
            throw new CompareRunFailedException(e.Message, e);
        }
        catch (ClusterUnreachableException e)
        {
            throw new RunFailedException(e.Message, e);
        }
        finally
        {
            cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return ([.. finished.Select(f => f!)], true);
    }

    private static string Name(PlannedRun run) => $"{run.Method.Name} seed {run.Seed.ToString(CultureInfo.InvariantCulture)}";
}
