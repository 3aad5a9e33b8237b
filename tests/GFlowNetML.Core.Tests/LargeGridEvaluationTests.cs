using System.Diagnostics;
using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Models;

namespace GFlowNetML.Core.Tests;

/// <summary>Exact evaluation on the paper's large grids: a host policy over every state in bounded chunks, then the DP.</summary>
[TestClass]
public sealed class LargeGridEvaluationTests
{
    /// <summary>A one-layer policy (logits = W·x + b) with fixed small weights: cheap enough for every state of a large grid.</summary>
    private static PolicyWeights TinyPolicy(GFlowNetEnvironment env, float scale)
    {
        int inputs = env.EncodingWidth, outputs = env.ActionCount;
        var w = new float[inputs * outputs];
        for (int o = 0; o < outputs; o++)
            for (int i = 0; i < inputs; i++) w[o * inputs + i] = scale * ((i * 7 + o * 3) % 11 - 5);
        var b = new float[outputs];
        for (int o = 0; o < outputs; o++) b[o] = scale * (o - 1);
        return new PolicyWeights([new DenseLayer(inputs, outputs, w, b, LayerActivation.Identity)]);
    }

    [TestMethod]
    [DataRow(2, 128, DisplayName = "2D H=128 (16,384 states, 4 chunks)")]
    [DataRow(3, 32, DisplayName = "3D H=32 (32,768 states, 8 chunks)")]
    public void ChunkedEvaluationOfALargeGridMatchesOnePassAndSumsToOne(int ndim, int height)
    {
        var env = new HyperGrid(ndim, height, 0.01);
        var clock = Stopwatch.StartNew();
        var space = StateSpace.Enumerate(env);
        var policy = TinyPolicy(env, 0.05f);

        float[] chunked = space.ForwardLogProbabilities(policy);
        double[] p = TerminatingDistribution.Compute(space, chunked);
        var metrics = ExactMetrics.Evaluate(space, chunked, 0);
        clock.Stop();

        Assert.AreEqual((int)Math.Pow(height, ndim), space.Count);
        Assert.IsGreaterThan(StateSpace.ChunkStates, space.Count, "the space spans several chunks");
        // One pass over every state at once (what the ML.NET evaluation did before chunking): the same values, bit for bit,
        // because the host policy computes each row on its own.
        var features = new float[space.Count * env.EncodingWidth];
        env.Encode(space.States, features);
        var whole = new float[space.Count * env.ActionCount];
        policy.LogProbabilities(features, space.ForwardMask, space.Count, whole);
        CollectionAssert.AreEqual(whole, chunked);

        // Measured: 1 + 4.3e-8 (H=128) and 1 + 1.3e-8 (32³): float log-probabilities carry ~6e-8 relative error each.
        double sum = HyperGridPartitionTests.CompensatedSum(p);
        Assert.AreEqual(1.0, sum, 1e-6, $"P_T of single-precision log-probabilities over trajectories of up to {env.MaxTrajectoryLength} steps sums to {sum:R}");
        Assert.IsTrue(p.All(v => v >= 0));
        Assert.IsTrue(metrics.TotalVariation is > 0 and < 1, $"TV {metrics.TotalVariation}");
        Assert.AreEqual(env.LogPartition!.Value, metrics.TrueLogZ, 1e-11);
        Assert.IsLessThan(20_000L, clock.ElapsedMilliseconds, "exact evaluation of a large grid takes seconds at most");
    }

    [TestMethod]
    public void ZeroPolicyOn128x128IsTheUniformPolicy()
    {
        // All weights 0: every logit is 0, so π is uniform over the allowed actions. At the origin exit has ⅓; (1, 0) is
        // reached with ⅓ and exits with ⅓ again; the far corner (127, 127) allows only exit.
        var env = new HyperGrid(2, 128, 0.01);
        var space = StateSpace.Enumerate(env);
        double[] p = TerminatingDistribution.Compute(space, space.ForwardLogProbabilities(TinyPolicy(env, 0f)));
        double[] uniform = TerminatingDistribution.Compute(space, PolicyTables.Uniform(space));

        Assert.AreEqual(1.0 / 3, p[0], 1e-7);
        Assert.AreEqual(1.0 / 9, p[space.IndexOf([1, 0])], 1e-7);
        Assert.AreEqual(1.0, HyperGridPartitionTests.CompensatedSum(uniform), 1e-12, "the double-precision uniform DP");
        double tv = DistributionMetrics.TotalVariation(p, uniform);
        Assert.AreEqual(0.0, tv, 1e-6, $"float log(⅓), log(½) against double: TV {tv:R}");
    }
}
