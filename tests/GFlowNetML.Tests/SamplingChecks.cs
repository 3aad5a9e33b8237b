using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Models;
using Microsoft.ML.OnnxRuntime;

namespace GFlowNetML.Tests;

/// <summary>What every sampler test checks: the draws are valid terminal objects with the environment's log-reward, and
/// their empirical distribution is within sampling noise of the policy's exact terminating distribution.</summary>
internal static class SamplingChecks
{
    /// <summary>A policy with uniform random weights in [−1, 1) and one hidden layer.</summary>
    public static PolicyWeights RandomPolicy(GFlowNetEnvironment env, int seed, int hidden = 16)
    {
        var random = new Random(seed);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int e = env.EncodingWidth, a = env.ActionCount;
        return PolicyWeights.FromArrays([e, hidden, a], [Values(hidden * e), Values(hidden), Values(a * hidden), Values(a)]);
    }

    /// <summary>Runs a batched sampling graph on the seeds; the outputs are sample, log-reward, log-probability.</summary>
    public static (NamedOnnxValue[] Outputs, IDisposable Owner) Run(byte[] model, long[] seeds)
    {
        var session = new InferenceSession(model);
        var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>(seeds, [seeds.Length, 1]);
        var results = session.Run([NamedOnnxValue.CreateFromTensor("seed", input)]);
        return (results.ToArray(), new Owner(results, session));
    }

    /// <summary>The exact terminating distribution P_T of a policy over an enumerated space.</summary>
    public static double[] Exact(StateSpace space, PolicyWeights policy)
    {
        var env = space.Environment;
        var features = new float[space.Count * env.EncodingWidth];
        env.Encode(space.States, features);
        var logp = new float[space.Count * env.ActionCount];
        policy.LogProbabilities(features, space.ForwardMask, space.Count, logp);
        return TerminatingDistribution.Compute(space, logp);
    }

    /// <summary>A TV bound that n exact draws from <paramref name="exact"/> stay under: 1.5 × the expected TV of an empirical
    /// distribution, ½ Σ √(2p(1 − p)/(πn)) (an over-estimate for rare terminals), plus 0.005.</summary>
    public static double Tolerance(double[] exact, int n)
        => 1.5 * 0.5 * exact.Sum(p => Math.Sqrt(2 * p * (1 - p) / (Math.PI * n))) + 0.005;

    /// <summary>Asserts that every draw is a terminal state of the space whose log-reward is the environment's (to 1e-4), and
    /// that the draws' TV to <paramref name="exact"/> is within <see cref="Tolerance"/>; returns the TV.</summary>
    public static double AssertFollows(StateSpace space, double[] exact, IReadOnlyList<int[]> states, IReadOnlyList<double> logRewards, string label)
    {
        var env = space.Environment;
        var position = new Dictionary<int, int>();
        for (int t = 0; t < space.Terminals.Length; t++) position[space.Terminals[t]] = t;
        var empirical = new double[exact.Length];
        var expected = new double[1];
        for (int i = 0; i < states.Count; i++)
        {
            int index = space.IndexOf(states[i]);
            Assert.IsTrue(index >= 0 && position.ContainsKey(index), $"{label}: draw {i} ({env.Format(states[i])}) is not a terminal state");
            empirical[position[index]] += 1.0 / states.Count;
            env.LogReward(states[i], expected);
            Assert.AreEqual(expected[0], logRewards[i], 1e-4, $"{label}: log-reward of {env.Format(states[i])}");
        }
        double tv = DistributionMetrics.TotalVariation(empirical, exact), tolerance = Tolerance(exact, states.Count);
        Assert.IsLessThan(tolerance, tv, $"{label}: TV {tv} over {states.Count} draws (tolerance {tolerance})");
        return tv;
    }

    private sealed class Owner(IDisposable a, IDisposable b) : IDisposable
    {
        public void Dispose() { a.Dispose(); b.Dispose(); }
    }
}
