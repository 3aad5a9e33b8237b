using GFlowNetML.Torch.Training;

namespace GFlowNetML.Torch.Tests;

[TestClass]
public sealed class ConcurrentTrainingTests
{
    private static readonly TrainingMethod[] Methods =
        [TrainingMethod.PolicyGradientBackward, TrainingMethod.TrustRegion, TrainingMethod.DetailedBalance, TrainingMethod.FlowMatching];

    /// <summary>Every number a run produces, bit for bit: each iteration's loss, the evaluation history, log Z and the
    /// final forward log-probabilities of every state.</summary>
    private static string Run(TrainingMethod method, long seed)
    {
        TorchSharp.torch.set_num_threads(1); // per calling thread in libtorch
        using var trainer = new GFlowNetTrainer(TestRuns.Grid(6), TestRuns.Small(method, 40, seed));
        var losses = new List<double>();
        var result = trainer.Train(new SynchronousProgress(p => losses.Add(p.Loss)));
        var logProbabilities = trainer.ForwardLogProbabilities(trainer.StateSpace!);
        return string.Join("\n",
            TestRuns.Fingerprint(result),
            string.Join(",", losses.Select(l => BitConverter.DoubleToInt64Bits(l).ToString("X16"))),
            BitConverter.DoubleToInt64Bits(trainer.LogZ).ToString("X16"),
            Convert.ToHexString(System.Runtime.InteropServices.MemoryMarshal.AsBytes(logProbabilities.AsSpan())));
    }

    /// <summary>Four trainers (RL-B, RL-T, DB, FM) on four threads while another thread forces collections and runs
    /// finalizers: no crash (a Scalar temporary freed during a native call aborts in c10::Scalar::toFloat), and each
    /// run's numbers equal those of the same run alone.</summary>
    [TestMethod]
    public void FourTrainersOnFourThreadsUnderGcPressureMatchTheirRunsAlone()
    {
        var alone = Methods.Select((m, k) => Run(m, seed: 10 + k)).ToArray();

        var concurrent = new string?[Methods.Length];
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        using var stop = new CancellationTokenSource();
        var collector = new Thread(() =>
        {
            while (!stop.IsCancellationRequested) { GC.Collect(); GC.WaitForPendingFinalizers(); }
        }) { IsBackground = true, Name = "collector" };
        var workers = Methods.Select((m, k) => new Thread(() =>
        {
            try { concurrent[k] = Run(m, seed: 10 + k); }
            catch (Exception e) { failures.Enqueue(e); }
        }) { IsBackground = true, Name = $"trainer {m}" }).ToArray();

        collector.Start();
        foreach (var t in workers) t.Start();
        foreach (var t in workers) t.Join();
        stop.Cancel();
        collector.Join();

        if (!failures.IsEmpty) Assert.Fail(string.Join("\n\n", failures));
        for (int k = 0; k < Methods.Length; k++)
            Assert.AreEqual(alone[k], concurrent[k], $"{Methods[k]}: the run on its own thread differs from the run alone");
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread (<see cref="Progress{T}"/> posts).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
