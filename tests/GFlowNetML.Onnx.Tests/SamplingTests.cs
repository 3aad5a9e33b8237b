using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Models;

namespace GFlowNetML.Onnx.Tests;

[TestClass]
public sealed class SamplingTests
{
    private static SamplerSession CpuSession(SamplerModel model, int batchSize = 4096)
        => SamplerSession.Load(model, new SamplerSessionOptions { Device = SamplerDevice.Cpu, Threads = 1, BatchSize = batchSize });

    [TestMethod]
    public void WholeTrajectory_200000Samples_MatchTheExactTerminatingDistribution_WithinTheNoiseFloor()
        => AssertWithinNoiseFloor(SamplingMode.WholeTrajectory, 200_000);

    [TestMethod]
    public void HostLoop_50000Samples_MatchTheExactTerminatingDistribution_WithinTheNoiseFloor()
        => AssertWithinNoiseFloor(SamplingMode.HostLoop, 50_000);

    private static void AssertWithinNoiseFloor(SamplingMode mode, int n)
    {
        var trained = TrainedPolicy.Small;
        using var session = CpuSession(trained.Model);
        Assert.IsTrue(session.SupportsWholeTrajectory);
        var exact = trained.ExactDistribution(session);
        // The same distribution from the Torch policy: the DP reference does not depend on ONNX Runtime.
        var torchExact = TerminatingDistribution.Compute(trained.Space, trained.TorchLogProbabilities);
        Assert.IsLessThan(1e-5, DistributionMetrics.TotalVariation(exact, torchExact));

        var samples = session.Sample(n, seed: 2024, mode);
        var empirical = SampleStatistics.Empirical(trained.Space, samples);
        double tv = DistributionMetrics.TotalVariation(empirical, exact);
        double floor = SampleStatistics.NoiseFloor(exact, n);
        Assert.IsLessThan(1.5 * floor, tv, $"{mode}: TV to the exact P_T = {tv:F5}, noise floor {floor:F5}");
        // Not a uniform or reward-proportional distribution by accident: the trained policy is neither.
        Assert.IsGreaterThan(10 * floor, DistributionMetrics.TotalVariation(exact, trained.Space.TargetDistribution));
    }

    [TestMethod]
    public void Samples_HaveConsistentLengthsRewardsAndLogProbabilities()
    {
        var trained = TrainedPolicy.Small;
        using var session = CpuSession(trained.Model);
        foreach (var mode in new[] { SamplingMode.WholeTrajectory, SamplingMode.HostLoop })
        {
            var samples = session.Sample(2000, seed: 9, mode);
            Assert.HasCount(2000, samples);
            var reward = new double[1];
            foreach (var s in samples)
            {
                // On the hyper-grid every move adds 1 to one coordinate, then exit: length = Σ x_d + 1.
                Assert.AreEqual(s.State.Sum() + 1, s.Length, $"{mode}: length of {s.Text}");
                trained.Grid.LogReward(s.State, reward);
                Assert.AreEqual(reward[0], s.LogReward, 0, $"{mode}: log-reward of {s.Text}");
                Assert.AreEqual(trained.Grid.Format(s.State), s.Text);
                Assert.IsLessThanOrEqualTo(0, s.LogProbability);
                Assert.IsTrue(double.IsFinite(s.LogProbability));
            }
        }
    }

    [TestMethod]
    public void TrajectoryLogProbability_IsTheSumOfThePolicysLogProbabilities_OnTheOnlyPath()
    {
        // On a 1-dimensional grid there is one trajectory to x: x moves then exit, so log P(τ) is known exactly.
        var grid = new HyperGrid(1, 6);
        var policy = RandomPolicy(grid, seed: 3, hidden: 16);
        using var session = CpuSession(SamplerModel.Create(grid, policy));
        var states = Enumerable.Range(0, 6).ToArray();
        var lp = session.LogProbabilities(states);
        foreach (var mode in new[] { SamplingMode.WholeTrajectory, SamplingMode.HostLoop })
            foreach (var s in session.Sample(300, seed: 1, mode))
            {
                double expected = lp[s.State[0] * 2 + 1];
                for (int x = 0; x < s.State[0]; x++) expected += lp[x * 2];
                Assert.AreEqual(expected, s.LogProbability, 2e-5, $"{mode}: log P(τ) of {s.Text}");
            }
    }

    [TestMethod]
    public void SameSeed_GivesTheSameSamples_WhateverTheBatchSizeAndThread_AndAnotherSeedDiffers()
    {
        var trained = TrainedPolicy.Small;
        using var big = CpuSession(trained.Model, 4096);
        using var small = CpuSession(trained.Model, 77);
        var a = big.Sample(3000, seed: 5);
        var b = small.Sample(3000, seed: 5);
        var parallel = Enumerable.Range(0, 3).AsParallel().Select(_ => big.Sample(3000, seed: 5)).ToArray();
        var other = big.Sample(3000, seed: 6);
        foreach (var run in parallel.Prepend(b))
            for (int i = 0; i < a.Count; i++)
            {
                CollectionAssert.AreEqual(a[i].State, run[i].State, $"sample {i}");
                Assert.AreEqual(a[i].LogProbability, run[i].LogProbability, 0, $"sample {i}");
            }
        int same = Enumerable.Range(0, a.Count).Count(i => a[i].State.SequenceEqual(other[i].State));
        Assert.IsLessThan(a.Count / 2, same, $"seeds 5 and 6 gave {same} equal samples of {a.Count}");

        var hostA = big.Sample(500, seed: 5, SamplingMode.HostLoop);
        var hostB = small.Sample(500, seed: 5, SamplingMode.HostLoop);
        for (int i = 0; i < hostA.Count; i++) CollectionAssert.AreEqual(hostA[i].State, hostB[i].State, $"host sample {i}");
    }

    [TestMethod]
    public void WholeTrajectoryAndHostLoop_ReadTheSameUniforms_AndDrawTheSameObjects()
    {
        var trained = TrainedPolicy.Small;
        using var session = CpuSession(trained.Model);
        var whole = session.Sample(4000, seed: 77, SamplingMode.WholeTrajectory);
        var host = session.Sample(4000, seed: 77, SamplingMode.HostLoop);
        int same = 0;
        for (int i = 0; i < whole.Count; i++)
        {
            if (!whole[i].State.SequenceEqual(host[i].State)) continue;
            same++;
            Assert.AreEqual(whole[i].LogProbability, host[i].LogProbability, 1e-4, $"sample {i}");
        }
        // Only near-ties of two Gumbel scores (float rounding in Log) can split the modes.
        Assert.IsGreaterThanOrEqualTo(whole.Count * 0.995, same, $"{same} of {whole.Count} samples agree");
    }

    [TestMethod]
    public void AMaskedAction_IsNeverTaken_EvenWhenThePolicyPrefersIt()
    {
        // The policy puts logit 50 on "+1 on dimension 0": it wants to walk off the grid's edge, which the mask forbids.
        var grid = new HyperGrid(2, 5);
        var layers = new[]
        {
            new DenseLayer(10, 4, new float[40], [1, 1, 1, 1], LayerActivation.Relu),
            new DenseLayer(4, 3, new float[12], [50, 0, 0], LayerActivation.Identity),
        };
        using var session = CpuSession(SamplerModel.Create(grid, new PolicyWeights(layers)));
        foreach (var mode in new[] { SamplingMode.WholeTrajectory, SamplingMode.HostLoop })
        {
            var samples = session.Sample(3000, seed: 4, mode);
            foreach (var s in samples)
            {
                Assert.AreEqual(4, s.State[0], $"{mode}: {s.Text} left dimension 0 before its edge, or passed it");
                Assert.IsTrue(s.State[1] is >= 0 and <= 4, $"{mode}: {s.Text} is off the grid");
                Assert.AreEqual(s.State.Sum() + 1, s.Length, $"{mode}: a step of {s.Text} was not a +1 move");
            }
            // At the edge, "+1 on dimension 1" and exit are equally likely: P(x1 = 0) = ½.
            double atZero = samples.Count(s => s.State[1] == 0) / (double)samples.Count;
            Assert.AreEqual(0.5, atZero, 0.04, $"{mode}");
        }
    }

    [TestMethod]
    public void CustomEnvironmentInstance_IsSampledByTheHostLoop()
    {
        var trained = TrainedPolicy.Small;
        var custom = new RenamedGrid(trained.Grid);
        var policy = trained.Exported.Policy;
        var model = SamplerModel.Create(custom, policy);
        Assert.IsNull(model.StepGraph);
        Assert.ThrowsExactly<InvalidOperationException>(() => SamplerSession.Load(model, new SamplerSessionOptions { Device = SamplerDevice.Cpu }));
        using var session = SamplerSession.Load(model, new SamplerSessionOptions { Device = SamplerDevice.Cpu }, custom);
        Assert.IsFalse(session.SupportsWholeTrajectory);
        Assert.ThrowsExactly<ArgumentException>(() => session.Sample(10, 1, SamplingMode.WholeTrajectory));
        var samples = session.Sample(20_000, seed: 8);
        var exact = trained.ExactDistribution(session);
        double tv = DistributionMetrics.TotalVariation(SampleStatistics.Empirical(trained.Space, samples), exact);
        Assert.IsLessThan(1.5 * SampleStatistics.NoiseFloor(exact, 20_000), tv);
        Assert.ThrowsExactly<ArgumentException>(() => SamplerSession.Load(model, null, new HyperGrid(2, 8)));
    }

    [TestMethod]
    public void SampleBatches_StreamTheSameSamplesInBatches_AndStopWhenCancelled()
    {
        using var session = CpuSession(TrainedPolicy.Small.Model, batchSize: 64);
        foreach (var mode in new[] { SamplingMode.HostLoop, SamplingMode.WholeTrajectory })
        {
            var listed = session.Sample(300, seed: 4, mode);
            var batches = session.SampleBatches(300, seed: 4, mode).ToList();
            CollectionAssert.AreEqual(new[] { 64, 64, 64, 64, 44 }, batches.Select(b => b.Count).ToArray(), mode.ToString());
            var streamed = batches.SelectMany(b => b).ToList();
            for (int i = 0; i < 300; i++)
            {
                CollectionAssert.AreEqual(listed[i].State, streamed[i].State, $"{mode} sample {i}");
                Assert.AreEqual(listed[i].LogProbability, streamed[i].LogProbability);
                Assert.AreEqual(listed[i].LogReward, streamed[i].LogReward);
            }
        }
        // A draw of 2^31 − 1 objects is enumerable in bounded memory: take two batches, then cancel.
        using var cts = new CancellationTokenSource();
        int seen = 0;
        Assert.ThrowsExactly<OperationCanceledException>(() =>
        {
            foreach (var batch in session.SampleBatches(int.MaxValue, seed: 1, SamplingMode.HostLoop, cts.Token))
                if ((seen += batch.Count) >= 128) cts.Cancel();
        });
        Assert.AreEqual(128, seen);
    }

    [TestMethod]
    public void WholeTrajectoryCall_StopsOnCancellation_ThroughOnnxRuntimesTerminateFlag()
    {
        using var session = CpuSession(TrainedPolicy.Small.Model);
        int rows = 64;
        var seeds = Enumerable.Range(0, rows).Select(i => (long)i).ToArray();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        // The one ONNX Runtime call itself, with the token already cancelled: the registration sets RunOptions.Terminate at
        // once, ONNX Runtime refuses to run, and that surfaces as OperationCanceledException (not an OnnxRuntimeException).
        Assert.ThrowsExactly<OperationCanceledException>(() =>
            session.RunTrajectories(0, rows, seeds, new int[rows * session.Environment.StateWidth], new double[rows], new int[rows], cancelled.Token));
        // Without cancellation the same call samples.
        var states = new int[rows * session.Environment.StateWidth];
        session.RunTrajectories(0, rows, seeds, states, new double[rows], new int[rows], CancellationToken.None);
        Assert.IsTrue(states.Any(v => v != 0), "the row seeds move the walkers");
        // And from the public API: a cancelled token stops a whole-trajectory draw.
        Assert.ThrowsExactly<OperationCanceledException>(() => session.Sample(1000, 1, SamplingMode.WholeTrajectory, null, cancelled.Token));
    }

    [TestMethod]
    public void BadArguments_AreRejected()
    {
        using var session = CpuSession(TrainedPolicy.Small.Model);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => session.Sample(0, 1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => session.Sample(1, 1, (SamplingMode)9));
        Assert.ThrowsExactly<ArgumentException>(() => session.LogProbabilities([1, 2, 3]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SamplerSession.Load(TrainedPolicy.Small.Model, new SamplerSessionOptions { BatchSize = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SamplerSession.Load(TrainedPolicy.Small.Model, new SamplerSessionOptions { BatchSize = SamplerSessionOptions.MaxBatchSize + 1 }));
        // One list of more than 10^8 samples is refused before anything is allocated; SampleBatches streams such counts.
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => session.Sample(int.MaxValue, 1)).Message, "SampleBatches");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => session.SampleBatches(0, 1)); // checked when called, not when enumerated
        Assert.ThrowsExactly<ArgumentException>(() => SamplerModel.Create(new HyperGrid(2, 9), TrainedPolicy.Small.Exported.Policy));
        Assert.ThrowsExactly<ArgumentException>(() => new PolicyWeights([new DenseLayer(2, 3, new float[6], new float[3], LayerActivation.Relu)]));
        Assert.ThrowsExactly<ArgumentException>(() => new DenseLayer(2, 3, new float[5], new float[3], LayerActivation.Identity));
        session.Dispose();
        Assert.ThrowsExactly<ObjectDisposedException>(() => session.Sample(1, 1));
    }

    internal static PolicyWeights RandomPolicy(GFlowNetEnvironment env, long seed, int hidden)
    {
        var random = new Sampling.GFlowNetRandom(seed);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return PolicyWeights.FromArrays([env.EncodingWidth, hidden, env.ActionCount],
            [Values(hidden * env.EncodingWidth), Values(hidden), Values(env.ActionCount * hidden), Values(env.ActionCount)]);
    }

    /// <summary>A hyper-grid the catalog does not know and that has no ONNX step graph: a user's custom environment.</summary>
    private sealed class RenamedGrid(HyperGrid grid) : GFlowNetEnvironment
    {
        public override string Name => "my-grid";
        public override int StateWidth => grid.StateWidth;
        public override int ActionCount => grid.ActionCount;
        public override int BackwardActionCount => grid.BackwardActionCount;
        public override int EncodingWidth => grid.EncodingWidth;
        public override int MaxTrajectoryLength => grid.MaxTrajectoryLength;
        public override void WriteInitialState(Span<int> state) => grid.WriteInitialState(state);
        public override void ForwardMasks(ReadOnlySpan<int> states, Span<bool> masks) => grid.ForwardMasks(states, masks);
        public override void BackwardMasks(ReadOnlySpan<int> states, Span<bool> masks) => grid.BackwardMasks(states, masks);
        public override void Step(Span<int> states, ReadOnlySpan<int> actions) => grid.Step(states, actions);
        public override void BackwardStep(Span<int> states, ReadOnlySpan<int> backwardActions) => grid.BackwardStep(states, backwardActions);
        public override void ToBackwardActions(ReadOnlySpan<int> parents, ReadOnlySpan<int> actions, Span<int> backwardActions) => grid.ToBackwardActions(parents, actions, backwardActions);
        public override void ToForwardActions(ReadOnlySpan<int> children, ReadOnlySpan<int> backwardActions, Span<int> actions) => grid.ToForwardActions(children, backwardActions, actions);
        public override void Encode(ReadOnlySpan<int> states, Span<float> features) => grid.Encode(states, features);
        public override void LogReward(ReadOnlySpan<int> states, Span<double> logRewards) => grid.LogReward(states, logRewards);
    }
}
