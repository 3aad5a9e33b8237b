using GFlowNetML.Sampling;

namespace GFlowNetML.Onnx.Tests;

[TestClass]
public sealed class ParityTests
{
    private static readonly SamplerSessionOptions Cpu = new() { Device = SamplerDevice.Cpu, Threads = 1 };

    [TestMethod]
    public void OnnxRuntime_MatchesTorchSharp_OnRandomValidStates_PaperSizedPolicy() => AssertParity(TrainedPolicy.PaperSized, 512);

    [TestMethod]
    public void OnnxRuntime_MatchesTorchSharp_OnRandomValidStates_ThreeDimensionalGrid() => AssertParity(TrainedPolicy.ThreeDimensional, 256);

    private static void AssertParity(TrainedPolicy trained, int count)
    {
        var space = trained.Space;
        int width = space.Environment.StateWidth, actions = space.Environment.ActionCount;
        var random = new GFlowNetRandom(42);
        var indices = Enumerable.Range(0, count).Select(_ => random.NextInt(space.Count)).ToArray();
        var states = indices.SelectMany(i => space.State(i).ToArray()).ToArray();
        using var session = SamplerSession.Load(trained.Model, Cpu);
        var onnx = session.LogProbabilities(states);
        var host = new float[count * actions];
        var features = new float[count * space.Environment.EncodingWidth];
        var masks = new bool[count * actions];
        space.Environment.Encode(states, features);
        space.Environment.ForwardMasks(states, masks);
        trained.Exported.Policy.LogProbabilities(features, masks, count, host);

        double worst = 0, spread = 0;
        for (int r = 0; r < count; r++)
            for (int a = 0; a < actions; a++)
            {
                float torch = trained.TorchLogProbabilities[indices[r] * actions + a];
                float ort = onnx[r * actions + a];
                if (!masks[r * actions + a])
                {
                    Assert.IsTrue(float.IsNegativeInfinity(ort), $"masked action {a} of {space.Environment.Format(space.State(indices[r]))}: ORT gave {ort}");
                    continue;
                }
                worst = Math.Max(worst, Math.Abs(torch - ort));
                Assert.AreEqual(torch, host[r * actions + a], 1e-5, "the host evaluation of PolicyWeights differs from TorchSharp");
                int allowed = 0;
                for (int b = 0; b < actions; b++) if (masks[r * actions + b]) allowed++;
                spread = Math.Max(spread, Math.Abs(ort - Math.Log(1.0 / allowed)));
            }
        Assert.IsLessThanOrEqualTo(1e-5, worst, $"max |log π_ORT − log π_Torch| = {worst}");
        Assert.IsGreaterThan(1e-2, spread, "the policy is uniform; the parity check would prove little");
    }

    [TestMethod]
    public void ExportedWeights_RoundTripThroughTheFile_Exactly()
    {
        var trained = TrainedPolicy.Small;
        var read = SamplerModel.FromBytes(trained.Model.ToArray(), "memory");
        var a = trained.Exported.Policy.Layers;
        var b = read.Policy.Layers;
        Assert.HasCount(a.Count, b);
        for (int l = 0; l < a.Count; l++)
        {
            Assert.AreEqual(a[l].Activation, b[l].Activation);
            CollectionAssert.AreEqual(a[l].Weights.ToArray(), b[l].Weights.ToArray(), $"layer {l} weights");
            CollectionAssert.AreEqual(a[l].Bias.ToArray(), b[l].Bias.ToArray(), $"layer {l} bias");
        }
        Assert.AreEqual(trained.Grid.Description, read.EnvironmentDescription);
        Assert.AreEqual("hypergrid", read.EnvironmentName);
        Assert.AreEqual("8", read.EnvironmentParameters!["height"]);
        Assert.AreEqual("0.01", read.EnvironmentParameters!["r0"]);
        Assert.AreEqual("hypergrid-v1", read.StepGraph);
        Assert.AreEqual(16, read.EncodingWidth);
        Assert.AreEqual(3, read.ActionCount);
        Assert.AreEqual(15, read.MaxTrajectoryLength);
        Assert.AreEqual("0..1: +1 on that dimension; 2: exit", read.ActionMeaning);
        Assert.IsNotNull(read.Training);
        Assert.AreEqual("tb", read.Training.Method);
        Assert.AreEqual(5, read.Training.Seed);
        Assert.AreEqual(40, read.Training.Iterations);
        Assert.AreEqual(40 * 32, read.Training.Trajectories);
        Assert.AreEqual(trained.Result.Final.ExactTotalVariation, read.Training.FinalMetrics["exact_tv"], 0);
        Assert.AreEqual(trained.Result.Final.LogZ, read.Training.FinalMetrics["log_z"], 0);
        Assert.AreEqual("1", read.Metadata["gflownetml.format_version"]);
        Assert.AreEqual(trained.Grid.Description, read.CreateEnvironment().Description);
    }
}
