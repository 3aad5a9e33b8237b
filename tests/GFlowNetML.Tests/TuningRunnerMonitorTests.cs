using System.Globalization;
using GFlowNetML.Torch.Training;
using GFlowNetML.Trainers;
using GFlowNetML.Tuning;
using Microsoft.ML;

namespace GFlowNetML.Tests;

/// <summary>AutoML's shape of the experiment: a trial runner of the user's own drives the tuner, a monitor sees the running,
/// completed, best and failed trials in trial order (the same at any concurrency), the default runner records a diverged
/// trial as failed and the tune goes on, and every trial carries its loss, duration and peak memory.</summary>
[TestClass]
[DoNotParallelize]
public sealed class TuningRunnerMonitorTests
{
    private static TrajectoryBalanceOptions Tiny(int iterations = 10) => new()
    {
        Task = GFlowNetTask.HyperGrid(2, 4), Iterations = iterations, BatchSize = 16, HiddenLayers = 1, HiddenWidth = 32, EvalEvery = 10,
    };

    /// <summary>LearningRate in [1e-4, 1e-2] (log) and LogZLearningRate in [1e-3, 1] (log).</summary>
    private static SearchSpace LearningRates(GFlowNetSamplerOptions options)
        => new MLContext(0).GFlowNet().Tuning.CreateSearchSpace(options, "Iterations", "BatchSize", "HiddenLayers", "HiddenWidth", "Epsilon");

    /// <summary>A bowl in log space with its bottom at LearningRate 10^-2.5 and LogZLearningRate 10^-0.5.</summary>
    private static double Bowl(IReadOnlyDictionary<string, object> values)
        => Math.Abs(Math.Log10((double)values["LearningRate"]) + 2.5) + Math.Abs(Math.Log10((double)values["LogZLearningRate"]) + 0.5);

    [TestMethod]
    public void ACustomRunnersLossesDriveTheTunerAndTheMonitorSeesEveryTrialInOrder()
    {
        var options = Tiny();
        var space = LearningRates(options);
        using var runner = new ScriptedRunner(Bowl, failing: 1);
        var monitor = new RecordingMonitor();
        var result = new MLContext(1).GFlowNet().Tuning.CreateExperiment(options)
            .SetSearchSpace(space).SetSeed(5).SetMaxTrials(5).SetTrialRunner(runner).SetMonitor(monitor).Run();

        // The same proposals as a CFO of the same seed told the runner's losses (+∞ for the failed trial).
        var replay = new CostFrugalTuner(space, 5);
        for (int i = 0; i < 5; i++)
        {
            var settings = new TrialSettings(i);
            var point = replay.Propose(settings);
            CollectionAssert.AreEqual(point, result.Trials[i].Parameter.ToArray(), $"trial {i}");
            replay.Update(new TrialResult(settings, point, i == 1 ? double.PositiveInfinity : Bowl(space.Values(point)), 0));
        }
        Assert.AreEqual(5, runner.Calls, "no training: every trial ran in the runner");
        CollectionAssert.AreEqual(new[] { TrialStatus.Succeeded, TrialStatus.Failed, TrialStatus.Succeeded, TrialStatus.Succeeded, TrialStatus.Succeeded },
            result.Trials.Select(t => t.Status).ToArray());
        Assert.AreEqual("InvalidOperationException: trial 1 breaks", result.Trials[1].Error);
        Assert.AreEqual(double.PositiveInfinity, result.Trials[1].Loss);
        foreach (var t in result.Trials.Where(t => t.Status == TrialStatus.Succeeded))
        {
            Assert.AreEqual(Bowl(t.Values), t.Loss, "the runner's loss");
            Assert.AreEqual(-t.Loss, t.Metric, "the runner's own metric, kept apart from the loss");
            Assert.AreEqual(7L, t.Iterations);
        }
        var best = result.Trials.Where(t => t.Status == TrialStatus.Succeeded).MinBy(t => t.Loss)!;
        Assert.AreEqual(best.TrialId, result.BestTrial!.TrialId, "the best trial is the one of lowest loss");
        Assert.IsNull(result.BestModel, "the runner made no model");

        // Trial 0 is CFO's default point (LearningRate 1e-3, LogZLearningRate 0.1: loss 0.5 + 0.5); trial 1 throws.
        string[] expected =
        [
            "running 0", "completed 0 succeeded 0.9999999999999998", "best 0",
            "running 1", "fail 1 InvalidOperationException: trial 1 breaks",
            "running 2", "completed 2 succeeded 0.505679563414243", "best 2",
            "running 3", "completed 3 succeeded 0.2430541911303309", "best 3",
            "running 4", "completed 4 succeeded 0.5496984849779565",
        ];
        CollectionAssert.AreEqual(expected, monitor.Calls, string.Join(" | ", monitor.Calls));
    }

    [TestMethod]
    public async Task RunAsyncRunsTheSameTrialsAsRun()
    {
        var options = Tiny();
        GFlowNetExperiment Experiment(ScriptedRunner runner) => new MLContext(1).GFlowNet().Tuning.CreateExperiment(options)
            .SetSearchSpace(LearningRates(options)).SetSeed(5).SetMaxTrials(3).SetTrialRunner(runner);
        using var a = new ScriptedRunner(Bowl, failing: -1);
        using var b = new ScriptedRunner(Bowl, failing: -1);
        var sync = Experiment(a).Run();
        var async = await Experiment(b).RunAsync();
        CollectionAssert.AreEqual(sync.Trials.Select(t => t.Loss).ToArray(), async.Trials.Select(t => t.Loss).ToArray());
        Assert.AreEqual(sync.BestTrial!.TrialId, async.BestTrial!.TrialId);
    }

    [TestMethod]
    public void ARunnersPrunedFailedAndNaNResultsAreMissesForTheTuner()
    {
        var options = Tiny();
        using var runner = new ResultRunner(s => s.TrialId switch
        {
            0 => new TrialResult(s, s.Parameter, 2.0, 0),
            1 => new TrialResult(s, s.Parameter, 1.0, 0) { Status = TrialStatus.Pruned, Metric = 0.7, Iterations = 3 },
            2 => new TrialResult(s, s.Parameter, 0.5, 0) { Status = TrialStatus.Failed },
            _ => new TrialResult(s, s.Parameter, double.NaN, 0),
        });
        var monitor = new RecordingMonitor();
        var result = new MLContext(1).GFlowNet().Tuning.CreateExperiment(options).SetSearchSpace(LearningRates(options)).SetSeed(5)
            .SetMaxTrials(4).SetTrialRunner(runner).SetMonitor(monitor).Run();

        CollectionAssert.AreEqual(new[] { TrialStatus.Succeeded, TrialStatus.Pruned, TrialStatus.Failed, TrialStatus.Failed }, result.Trials.Select(t => t.Status).ToArray());
        CollectionAssert.AreEqual(new[] { 2.0, double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity }, result.Trials.Select(t => t.Loss).ToArray());
        Assert.AreEqual(0.7, result.Trials[1].Metric, "a pruned trial keeps its last metric");
        Assert.AreEqual(3L, result.Trials[1].Iterations);
        Assert.IsNull(result.Trials[1].Error);
        Assert.AreEqual("The runner reported the trial as failed.", result.Trials[2].Error);
        Assert.AreEqual("The loss is NaN.", result.Trials[3].Error);
        Assert.AreEqual(0, result.BestTrial!.TrialId);
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3 }, result.Leaderboard.Select(t => t.TrialId).ToArray());
        CollectionAssert.AreEqual(new[]
        {
            "running 0", "completed 0 succeeded 2", "best 0", "running 1", "completed 1 pruned Infinity", "running 2", "fail 2", "running 3", "fail 3",
        }, monitor.Calls, string.Join(" | ", monitor.Calls));
        // CFO heard a miss at trials 1 to 3: the same proposals as a CFO told +∞ there.
        var replay = new CostFrugalTuner(LearningRates(options), 5);
        for (int i = 0; i < 4; i++)
        {
            var settings = new TrialSettings(i);
            var point = replay.Propose(settings);
            CollectionAssert.AreEqual(point, result.Trials[i].Parameter.ToArray(), $"trial {i}");
            replay.Update(new TrialResult(settings, point, i == 0 ? 2.0 : double.PositiveInfinity, 0));
        }
    }

    [TestMethod]
    public void TheMonitorsCallsAreTheSameAtAnyConcurrency()
    {
        var options = Tiny();
        List<string> Calls(int parallel)
        {
            // Trial 0 of each round sleeps so that its round-mate finishes first when they run at once.
            using var runner = new ScriptedRunner(Bowl, failing: 2, slow: id => id % 2 == 0);
            var monitor = new RecordingMonitor();
            new MLContext(1).GFlowNet().Tuning.CreateExperiment(options).SetSearchSpace(LearningRates(options)).SetSeed(3)
                .SetMaxTrials(6).SetTrialsPerRound(2).SetMaxConcurrentTrials(parallel).SetTrialRunner(runner).SetMonitor(monitor).Run();
            return monitor.Calls;
        }
        var one = Calls(1);
        var two = Calls(2);
        CollectionAssert.AreEqual(one, two, $"P=1: {string.Join(" | ", one)}\nP=2: {string.Join(" | ", two)}");
        // Rounds of two: both trials are reported running before the round starts, their results in trial order after it.
        CollectionAssert.AreEqual(new[]
        {
            "running 0", "running 1", "completed 0 succeeded 0.9999999999999998", "best 0", "completed 1 succeeded 0.7196786338952512", "best 1",
            "running 2", "running 3", "fail 2 InvalidOperationException: trial 2 breaks", "completed 3 succeeded 1.355958764600722",
            "running 4", "running 5", "completed 4 succeeded 1.0844001751454233", "completed 5 succeeded 0.7071455807434226", "best 5",
        }, one);
    }

    [TestMethod]
    public void ADivergedTrialIsRecordedAsFailedWithItsMessageAndTheTuneGoesOn()
    {
        var options = Tiny();
        var ml = new MLContext(1);
        var experiment = ml.GFlowNet().Tuning.CreateExperiment(options).SetSearchSpace(LearningRates(options)).SetSeed(2).SetMaxTrials(3);
        // The default runner, with trial 1's policy learning rate raised far beyond its range: real training diverges.
        using var runner = new DelegatingRunner(experiment.DefaultTrialRunner, s =>
        {
            if (s.TrialId == 1) s.Options!.LearningRate = 1e30;
        });
        var monitor = new RecordingMonitor();
        var result = experiment.SetTrialRunner(runner).SetMonitor(monitor).Run();

        Assert.HasCount(3, result.Trials);
        var diverged = result.Trials[1];
        Assert.AreEqual(TrialStatus.Failed, diverged.Status);
        StringAssert.StartsWith(diverged.Error, "TrainingDivergedException: Training diverged at iteration 1: the forward policy network's weights grew to");
        StringAssert.EndsWith(diverged.Error, "Lower PolicyLearningRate (now 1E+30).");
        Assert.AreEqual(1L, diverged.Iterations, "the iteration that diverged");
        Assert.AreEqual(double.PositiveInfinity, diverged.Metric);
        Assert.AreEqual(TrialStatus.Succeeded, result.Trials[0].Status);
        Assert.AreEqual(TrialStatus.Succeeded, result.Trials[2].Status, "the tune goes on");
        Assert.AreEqual(10L, result.Trials[2].Iterations);
        Assert.IsTrue(monitor.Calls.Contains("fail 1 TrainingDivergedException"), string.Join(" | ", monitor.Calls));
        Assert.IsNotNull(result.BestModel, "the default runner's model of the best trial");
        Assert.IsTrue(monitor.Results.All(r => r.Settings.StartedAtUtc <= r.Settings.EndedAtUtc), "every result's settings carry its start and end");
        Assert.AreEqual(result.BestTrial!.Metric, result.BestTrial.Loss);
        foreach (var t in result.Trials)
        {
            Assert.AreEqual(t.Seconds * 1000, t.DurationInMilliseconds);
            Assert.IsGreaterThan(10.0, t.PeakMemoryInMegaByte, "the process's working set, in MiB");
        }
    }

    /// <summary>Returns the loss of <c>loss</c> at the trial's values (its negation as the metric) after 7 "iterations";
    /// trial <c>failing</c> throws.</summary>
    private sealed class ScriptedRunner(Func<IReadOnlyDictionary<string, object>, double> loss, int failing, Func<int, bool>? slow = null) : ITrialRunner
    {
        private int _calls;

        public int Calls => _calls;

        public async Task<TrialResult> RunAsync(TrialSettings settings, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            if (slow?.Invoke(settings.TrialId) == true) await Task.Delay(300, cancellationToken);
            if (settings.TrialId == failing) throw new InvalidOperationException($"trial {failing} breaks");
            double l = loss(settings.Values);
            return new TrialResult(settings, settings.Parameter, l, 0) { Metric = -l, Iterations = 7 };
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Returns the result <c>result</c> makes of the settings.</summary>
    private sealed class ResultRunner(Func<TrialSettings, TrialResult> result) : ITrialRunner
    {
        public Task<TrialResult> RunAsync(TrialSettings settings, CancellationToken cancellationToken) => Task.FromResult(result(settings));

        public void Dispose()
        {
        }
    }

    /// <summary>Changes the settings, then runs the inner runner.</summary>
    private sealed class DelegatingRunner(ITrialRunner inner, Action<TrialSettings> change) : ITrialRunner
    {
        public Task<TrialResult> RunAsync(TrialSettings settings, CancellationToken cancellationToken)
        {
            change(settings);
            return inner.RunAsync(settings, cancellationToken);
        }

        public void Dispose()
        {
        }
    }

    internal sealed class RecordingMonitor : IMonitor
    {
        public List<string> Calls { get; } = [];

        public List<TrialResult> Results { get; } = [];

        public void ReportRunningTrial(TrialSettings settings) => Calls.Add($"running {settings.TrialId}");

        public void ReportCompletedTrial(TrialResult result)
        {
            Results.Add(result);
            Calls.Add($"completed {result.Settings.TrialId} {result.Status.ToString().ToLowerInvariant()} {result.Loss.ToString("R", CultureInfo.InvariantCulture)}");
        }

        public void ReportBestTrial(TrialResult result) => Calls.Add($"best {result.Settings.TrialId}");

        public void ReportFailTrial(TrialSettings settings, Exception? exception = null)
            => Calls.Add($"fail {settings.TrialId}{(exception is null ? "" : " " + exception.GetType().Name)}{(exception is InvalidOperationException ? ": " + exception.Message : "")}");
    }
}
