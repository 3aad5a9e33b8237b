using GFlowNetML.Environments;
using GFlowNetML.Evaluation;

namespace GFlowNetML.Onnx.Tests;

/// <summary>
/// The trained samplers shipped in <c>models/</c> load with the current code, recreate their environment from their
/// metadata, have exactly the quality their model cards state (exact TV of their own policy, by DP over the enumerated
/// space, through ONNX Runtime), and sample valid objects with the environment's log-rewards.
/// </summary>
[TestClass]
public sealed class ShippedModelTests
{
    private static string ModelPath(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "GFlowNetML.sln"))) return Path.Combine(dir.FullName, "models", name);
        throw new AssertInconclusiveException("The repository root (GFlowNetML.sln) is not above the test binaries.");
    }

    [TestMethod]
    [DataRow("hypergrid-d2-h8-tb.onnx", "hypergrid", "tb", 300L, 0.0143)]
    [DataRow("sequence-k4-l8-rl-u.onnx", "sequence", "rl-u", 1500L, 0.0578)]
    public void ShippedModel_HasTheQualityOfItsModelCard_AndSamplesValidObjects(string file, string environment, string method, long iterations, double cardTotalVariation)
    {
        using var session = SamplerSession.Load(ModelPath(file), new SamplerSessionOptions { Device = SamplerDevice.Cpu, Threads = 1 });
        var model = session.Model;
        Assert.AreEqual(environment, model.EnvironmentName);
        Assert.AreEqual(method, model.Training!.Method);
        Assert.AreEqual(iterations, model.Training.Iterations);
        Assert.AreEqual(0L, model.Training.Seed);
        double recorded = model.Training.FinalMetrics["exact_tv"];
        Assert.AreEqual(cardTotalVariation, recorded, 5e-5, "the model card quotes the recorded exact TV");

        var env = session.Environment;
        var space = StateSpace.Enumerate(env);
        var logProbabilities = new float[space.Count * env.ActionCount];
        const int chunk = 1 << 16;
        for (int start = 0; start < space.Count; start += chunk)
        {
            int rows = Math.Min(chunk, space.Count - start);
            session.LogProbabilities(space.States.AsSpan(start * env.StateWidth, rows * env.StateWidth))
                .CopyTo(logProbabilities.AsSpan(start * env.ActionCount));
        }
        var p = TerminatingDistribution.Compute(space, logProbabilities);
        double tv = DistributionMetrics.TotalVariation(p, space.TargetDistribution);
        Assert.AreEqual(recorded, tv, 1e-4, "ONNX Runtime's policy has the exact TV TorchSharp's had at export");

        var samples = session.Sample(5000, seed: 1);
        var logReward = new double[1];
        foreach (var s in samples)
        {
            if (env is SequenceEnvironment sequence) Assert.AreEqual(sequence.Length + 1, s.Length, s.Text);
            int index = space.IndexOf(s.State);
            Assert.IsTrue(index >= 0 && space.ForwardMask[index * env.ActionCount + env.ExitAction], $"{s.Text} is a terminal state");
            env.LogReward(s.State, logReward);
            Assert.AreEqual(logReward[0], s.LogReward, 0, s.Text);
        }
    }
}
