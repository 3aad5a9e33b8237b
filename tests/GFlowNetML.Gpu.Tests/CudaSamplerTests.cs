using GFlowNetML.Environments;
using GFlowNetML.Models;
using GFlowNetML.Onnx;
using GFlowNetML.Sampling;

namespace GFlowNetML.Gpu.Tests;

/// <summary>
/// The sampler on CUDA, with ONNX Runtime's CPU fallback disabled (<c>session.disable_cpu_ep_fallback</c>), so that a
/// session that opens runs every node of the graph on the GPU. Without CUDA each test ends Inconclusive (reported as
/// skipped); the probe test runs everywhere.
/// </summary>
[TestClass]
public sealed class CudaSamplerTests
{
    private static readonly HyperGrid Grid = new(2, 8);
    private static readonly Lazy<SamplerModel> Model = new(() => SamplerModel.Create(Grid, RandomPolicy(Grid, 5, 64)));

    private static SamplerSession OpenCudaOrSkip()
    {
        try
        {
            return SamplerSession.Load(Model.Value, new SamplerSessionOptions { Device = SamplerDevice.Cuda, RequireAllNodesOnGpu = true });
        }
        catch (InvalidOperationException e)
        {
            Assert.Inconclusive($"No CUDA session opens on this machine: {e.Message}");
            throw;
        }
    }

    [TestMethod]
    public void Probe_AutoReportsTheDeviceItUses()
    {
        using var session = SamplerSession.Load(Model.Value, new SamplerSessionOptions { Device = SamplerDevice.Auto });
        Assert.IsTrue(session.Device is SamplerDevice.Cpu or SamplerDevice.Cuda);
        Assert.IsTrue(session.Device == SamplerDevice.Cuda ? session.DeviceReason.StartsWith("CUDA device 0", StringComparison.Ordinal)
            : session.DeviceReason.StartsWith("CPU: CUDA is not available (", StringComparison.Ordinal), session.DeviceReason);
        Assert.HasCount(8, session.Sample(8, 1));
    }

    [TestMethod]
    public void Cuda_PolicyLogProbabilities_MatchTheHostEvaluation()
    {
        using var session = OpenCudaOrSkip();
        Assert.AreEqual(SamplerDevice.Cuda, session.Device);
        var space = Evaluation.StateSpace.Enumerate(Grid);
        var onGpu = session.LogProbabilities(space.States);
        var host = new float[onGpu.Length];
        var features = new float[space.Count * Grid.EncodingWidth];
        Grid.Encode(space.States, features);
        Model.Value.Policy.LogProbabilities(features, space.ForwardMask, space.Count, host);
        for (int i = 0; i < host.Length; i++)
            if (space.ForwardMask[i]) Assert.AreEqual(host[i], onGpu[i], 2e-3, $"entry {i}"); // TF32 matrix products on the GPU
            else Assert.IsTrue(float.IsNegativeInfinity(onGpu[i]));
    }

    [TestMethod]
    public void Cuda_WholeTrajectorySampling_MatchesTheCpuSamples()
    {
        using var gpu = OpenCudaOrSkip();
        using var cpu = SamplerSession.Load(Model.Value, new SamplerSessionOptions { Device = SamplerDevice.Cpu });
        var a = gpu.Sample(20_000, 3, SamplingMode.WholeTrajectory);
        var b = cpu.Sample(20_000, 3, SamplingMode.WholeTrajectory);
        int same = Enumerable.Range(0, a.Count).Count(i => a[i].State.SequenceEqual(b[i].State));
        Assert.IsGreaterThanOrEqualTo(a.Count * 0.98, same, $"{same} of {a.Count} samples agree between CUDA and CPU");
        foreach (var s in a) Assert.AreEqual(s.State.Sum() + 1, s.Length);
    }

    private static PolicyWeights RandomPolicy(GFlowNetEnvironment env, long seed, int hidden)
    {
        var random = new GFlowNetRandom(seed);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        return PolicyWeights.FromArrays([env.EncodingWidth, hidden, hidden, env.ActionCount],
            [Values(hidden * env.EncodingWidth), Values(hidden), Values(hidden * hidden), Values(hidden), Values(env.ActionCount * hidden), Values(env.ActionCount)]);
    }
}
