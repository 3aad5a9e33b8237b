namespace GFlowNetML.Onnx.Tests;

/// <summary>Disposing a session while other threads sample never crashes natively: the calls in progress finish and every
/// later one throws <see cref="ObjectDisposedException"/>.</summary>
[TestClass]
public sealed class DisposeRaceTests
{
    [TestMethod]
    [DataRow(SamplingMode.HostLoop)]
    [DataRow(SamplingMode.WholeTrajectory)]
    public void DisposeWhileFourThreadsSampleOnlyEverGivesObjectDisposedException(SamplingMode mode)
    {
        for (int repeat = 0; repeat < 5; repeat++)
        {
            var session = SamplerSession.Load(TrainedPolicy.Small.Model, new SamplerSessionOptions { Device = SamplerDevice.Cpu, BatchSize = 64 });
            int samplesDrawn = 0, disposedSeen = 0;
            var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
            using var started = new CountdownEvent(4);
            var threads = Enumerable.Range(0, 4).Select(k => new Thread(() =>
            {
                started.Signal();
                try
                {
                    for (long seed = k; ; seed += 4)
                    {
                        session.Sample(2_000, seed, mode);
                        Interlocked.Increment(ref samplesDrawn);
                    }
                }
                catch (ObjectDisposedException) { Interlocked.Increment(ref disposedSeen); }
                catch (Exception e) { failures.Add(e); }
            })).ToList();
            threads.ForEach(t => t.Start());
            started.Wait();
            Thread.Sleep(30 + 20 * repeat);
            session.Dispose();
            threads.ForEach(t => t.Join());
            Assert.IsEmpty(failures, string.Join("\n", failures));
            Assert.AreEqual(4, disposedSeen, "every sampling thread ended with ObjectDisposedException");
            Assert.ThrowsExactly<ObjectDisposedException>(() => session.Sample(1, 0, mode));
            session.Dispose(); // twice is fine
        }
    }
}
