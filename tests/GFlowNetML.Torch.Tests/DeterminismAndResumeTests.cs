using GFlowNetML.Torch.Checkpoints;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Torch.Tests;

[TestClass]
public sealed class DeterminismAndResumeTests
{
    [TestMethod]
    [DataRow(TrainingMethod.PolicyGradientUniform)]
    [DataRow(TrainingMethod.TrajectoryBalance)]
    public void SameSeedGivesIdenticalMetricsAndDifferentSeedDoesNot(TrainingMethod method)
    {
        string Run(long seed)
        {
            using var trainer = new GFlowNetTrainer(TestRuns.Grid(6), TestRuns.Small(method, 20, seed));
            return TestRuns.Fingerprint(trainer.Train());
        }
        string a = Run(7), b = Run(7), c = Run(8);
        Assert.AreEqual(a, b);
        Assert.AreNotEqual(a, c);
    }

    [TestMethod]
    [DataRow(TrainingMethod.PolicyGradientUniform, 0.0)]
    [DataRow(TrainingMethod.TrajectoryBalance, 0.5)]
    public void ResumedRunEndsWithExactlyTheMetricsOfAnUninterruptedRun(TrainingMethod method, double epsilon)
    {
        string dir = TestRuns.TempDirectory();
        try
        {
            var options = TestRuns.Small(method, 30);
            options.EpsilonStart = epsilon;
            options.EpsilonEnd = epsilon / 10;
            options.EpsilonDecay = 0.9;
            options.CheckpointEvery = 10;
            options.CheckpointDirectory = dir;

            string uninterrupted;
            using (var trainer = new GFlowNetTrainer(TestRuns.Grid(6), options))
                uninterrupted = TestRuns.Fingerprint(trainer.Train());

            // Stop after 20 iterations (the checkpoint at 20 is the last one written), then throw the trainer away.
            using (var cts = new CancellationTokenSource())
            using (var trainer = new GFlowNetTrainer(TestRuns.Grid(6), options))
            {
                var partial = trainer.Train(new Progress(p => { if (p.Iteration == 23) cts.Cancel(); }), cts.Token);
                Assert.IsFalse(partial.Completed);
                Assert.AreEqual(23, trainer.Iteration);
            }
            Assert.AreEqual(20, TrainingCheckpoint.Load(dir).Header.Iteration);

            using var resumed = GFlowNetTrainer.Resume(TestRuns.Grid(6), dir);
            Assert.AreEqual(20, resumed.Iteration);
            var result = resumed.Train();
            Assert.IsTrue(result.Completed);
            Assert.AreEqual(uninterrupted, TestRuns.Fingerprint(result));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    [DataRow(TrainingMethod.PolicyGradientUniform)]
    [DataRow(TrainingMethod.TrajectoryBalance)]
    public void EachEvaluationRecordsTheMeanLossSinceThePreviousOneAcrossAResume(TrainingMethod method)
    {
        string dir = TestRuns.TempDirectory();
        try
        {
            var options = TestRuns.Small(method, 20);
            options.EvalEvery = 10;
            options.CheckpointEvery = 5; // a checkpoint between two evaluations: the sums so far travel with it
            options.CheckpointDirectory = dir;

            var losses = new List<double>();
            TrainingResult uninterrupted;
            using (var trainer = new GFlowNetTrainer(TestRuns.Grid(6), options))
                uninterrupted = trainer.Train(new Progress(p => losses.Add(p.Loss)));
            var history = uninterrupted.History;
            CollectionAssert.AreEqual(new long[] { 0, 10, 20 }, history.Select(h => h.Iteration).ToArray());
            Assert.IsTrue(double.IsNaN(history[0].MeanLoss), "no iteration before the first evaluation");
            Assert.AreEqual(losses.Take(10).Sum() / 10, history[1].MeanLoss, 1e-12);
            Assert.AreEqual(losses.Skip(10).Sum() / 10, history[2].MeanLoss, 1e-12);
            Assert.IsGreaterThan(0.0, history[1].MeanLoss);
            bool critic = method == TrainingMethod.PolicyGradientUniform;
            Assert.AreEqual(critic, double.IsFinite(history[1].MeanCriticLoss), "only the policy-gradient methods have a critic");
            if (critic) Assert.IsGreaterThan(0.0, history[1].MeanCriticLoss);

            using (var cts = new CancellationTokenSource())
            using (var trainer = new GFlowNetTrainer(TestRuns.Grid(6), options))
                trainer.Train(new Progress(p => { if (p.Iteration == 17) cts.Cancel(); }), cts.Token);
            Assert.AreEqual(15, TrainingCheckpoint.Load(dir).Header.Iteration);
            using var resumed = GFlowNetTrainer.Resume(TestRuns.Grid(6), dir);
            Assert.AreEqual(TestRuns.Fingerprint(uninterrupted), TestRuns.Fingerprint(resumed.Train()));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void CheckpointIsWrittenAtomicallyAndDamageIsDetected()
    {
        string dir = TestRuns.TempDirectory();
        try
        {
            var options = TestRuns.Small(TrainingMethod.TrajectoryBalance, 10);
            options.CheckpointEvery = 5;
            options.CheckpointDirectory = dir;
            using (var trainer = new GFlowNetTrainer(TestRuns.Grid(4), options)) trainer.Train();
            Assert.IsFalse(File.Exists(TrainingCheckpoint.PathIn(dir) + ".tmp"), "no temporary file is left behind");
            Assert.AreEqual(10, TrainingCheckpoint.Load(dir).Header.Iteration);

            string path = TrainingCheckpoint.PathIn(dir);
            byte[] good = File.ReadAllBytes(path);

            var flipped = (byte[])good.Clone();
            flipped[flipped.Length / 2] ^= 0x40;
            File.WriteAllBytes(path, flipped);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => TrainingCheckpoint.Load(dir));
            StringAssert.Contains(e.Message, "corrupt");

            File.WriteAllBytes(path, good[..(good.Length / 3)]);
            e = Assert.ThrowsExactly<InvalidDataException>(() => TrainingCheckpoint.Load(dir));
            StringAssert.Contains(e.Message, "corrupt");

            File.WriteAllBytes(path, "not a checkpoint"u8.ToArray());
            e = Assert.ThrowsExactly<InvalidDataException>(() => TrainingCheckpoint.Load(dir));
            StringAssert.Contains(e.Message, "not a GFlowNetML checkpoint");

            File.WriteAllBytes(path, good);
            var mismatch = Assert.ThrowsExactly<ArgumentException>(() => GFlowNetTrainer.Resume(TestRuns.Grid(5), dir));
            StringAssert.Contains(mismatch.Message, "height=4");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void NewerCheckpointFormatIsRefusedWithAClearMessage()
    {
        string dir = TestRuns.TempDirectory();
        try
        {
            var options = TestRuns.Small(TrainingMethod.TrajectoryBalance, 2);
            using (var trainer = new GFlowNetTrainer(TestRuns.Grid(4), options)) { trainer.Train(); trainer.SaveCheckpoint(dir); }
            string path = TrainingCheckpoint.PathIn(dir);
            byte[] bytes = File.ReadAllBytes(path);
            BitConverter.TryWriteBytes(bytes.AsSpan(8, 4), TrainingCheckpoint.FormatVersion + 1);
            System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32)).CopyTo(bytes, bytes.Length - 32);
            File.WriteAllBytes(path, bytes);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => TrainingCheckpoint.Load(dir));
            StringAssert.Contains(e.Message, $"format version {TrainingCheckpoint.FormatVersion + 1}");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestMethod]
    public void CancellationStopsAtTheNextIterationBoundary()
    {
        using var cts = new CancellationTokenSource();
        using var trainer = new GFlowNetTrainer(TestRuns.Grid(4), TestRuns.Small(TrainingMethod.PolicyGradientUniform, 1000));
        var result = trainer.Train(new Progress(p => { if (p.Iteration == 7) cts.Cancel(); }), cts.Token);
        Assert.IsFalse(result.Completed);
        Assert.AreEqual(7, result.Final.Iteration);
        Assert.AreEqual(7 * 16, result.Final.Trajectories);
    }

    [TestMethod]
    public void CancellationWithinABatchAbandonsThatIterationAndLeavesTheTrainerAtTheLastWholeOne()
    {
        var options = TestRuns.Small(TrainingMethod.TrajectoryBalance, 6);
        options.EvalEvery = 3;
        string uninterrupted;
        using (var reference = new GFlowNetTrainer(TestRuns.Grid(6), options))
            uninterrupted = TestRuns.Fingerprint(reference.Train());

        // Cancel deterministically in the middle of iteration 3's sampling: at its third environment step.
        var grid = new SteppingHook(TestRuns.Grid(6));
        using var trainer = new GFlowNetTrainer(grid, options);
        using var cts = new CancellationTokenSource();
        int steps = 0;
        var partial = trainer.Train(new Progress(p =>
        {
            if (p.Iteration == 2) grid.OnStep = () => { if (++steps == 3) cts.Cancel(); };
        }), cts.Token);

        Assert.AreEqual(3, steps, "cancelled inside the sampling, which stopped at the next step check");
        Assert.IsFalse(partial.Completed);
        Assert.AreEqual(2, trainer.Iteration, "iteration 3 was abandoned, not half-done");
        Assert.AreEqual(2, partial.Final.Iteration);
        grid.OnStep = null;
        // Nothing of the abandoned iteration was kept (its random draws were put back): training on is the uninterrupted run.
        Assert.AreEqual(uninterrupted, TestRuns.Fingerprint(trainer.Train()));
    }

    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
