using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Models;
using GFlowNetML.Rewards;
using GFlowNetML.Sampling;
using Microsoft.ML.OnnxRuntime;

namespace GFlowNetML.Tests;

[TestClass]
public sealed class SamplingGraphTests
{
    private static readonly SamplingColumns Columns = new("seed", "sample", "log_reward", "log_probability");

    internal static PolicyWeights RandomPolicy(GFlowNetEnvironment env, int seed, int hidden = 16)
    {
        var random = new Random(seed);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int e = env.EncodingWidth, a = env.ActionCount;
        return PolicyWeights.FromArrays([e, hidden, a], [Values(hidden * e), Values(hidden), Values(a * hidden), Values(a)]);
    }

    private static (NamedOnnxValue[] Outputs, IDisposable Owner) Run(byte[] model, long[] seeds)
    {
        var session = new InferenceSession(model);
        var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>(seeds, [seeds.Length, 1]);
        var results = session.Run([NamedOnnxValue.CreateFromTensor("seed", input)]);
        return (results.ToArray(), new Owner(results, session));
    }

    private sealed class Owner(IDisposable a, IDisposable b) : IDisposable
    {
        public void Dispose() { a.Dispose(); b.Dispose(); }
    }

    private static double[] Empirical(StateSpace space, IEnumerable<int[]> samples)
    {
        var p = new double[space.Terminals.Length];
        int n = 0;
        var position = new Dictionary<int, int>();
        for (int t = 0; t < space.Terminals.Length; t++) position[space.Terminals[t]] = t;
        foreach (var x in samples) { p[position[space.IndexOf(x)]]++; n++; }
        for (int t = 0; t < p.Length; t++) p[t] /= n;
        return p;
    }

    private static double[] Exact(StateSpace space, PolicyWeights policy)
    {
        var env = space.Environment;
        var features = new float[space.Count * env.EncodingWidth];
        env.Encode(space.States, features);
        var logp = new float[space.Count * env.ActionCount];
        policy.LogProbabilities(features, space.ForwardMask, space.Count, logp);
        return TerminatingDistribution.Compute(space, logp);
    }

    [TestMethod]
    public void HyperGridSamplesFollowThePolicysTerminatingDistribution()
    {
        var env = new HyperGrid(2, 4);
        var policy = RandomPolicy(env, 1);
        var model = SamplingGraph.Build(SamplingStep.For(env), policy, fitSeed: 7, "N", Columns, []);
        const int n = 20000;
        var (outputs, owner) = Run(model, Enumerable.Range(0, n).Select(i => (long)i).ToArray());
        using (owner)
        {
            var samples = outputs[0].AsTensor<float>().ToArray();
            var logRewards = outputs[1].AsTensor<float>().ToArray();
            var states = Enumerable.Range(0, n).Select(i => new[] { (int)samples[2 * i], (int)samples[2 * i + 1] }).ToArray();
            var space = StateSpace.Enumerate(env);
            double tv = DistributionMetrics.TotalVariation(Empirical(space, states), Exact(space, policy));
            Assert.IsLessThan(0.03, tv, $"TV {tv}");
            var expected = new double[1];
            for (int i = 0; i < 50; i++)
            {
                env.LogReward(states[i], expected);
                Assert.AreEqual(expected[0], logRewards[i], 1e-5);
            }
        }
    }

    [TestMethod]
    public void SequenceSamplesFollowThePolicysTerminatingDistributionAndCarryTheirLogProbability()
    {
        foreach (var model in new[] { SequenceActionModel.WriteAnyBlank, SequenceActionModel.Append })
        {
            var reward = new SyntheticBindingLandscape(tokens: 2, length: 3, motifs: 1, seed: 2).ToTable();
            var env = new SequenceEnvironment(reward, model);
            var policy = RandomPolicy(env, 3);
            var bytes = SamplingGraph.Build(SamplingStep.For(env), policy, fitSeed: 11, "N", Columns, []);
            const int n = 20000;
            var (outputs, owner) = Run(bytes, Enumerable.Range(0, n).Select(i => (long)i * 7919 - 5000).ToArray());
            using (owner)
            {
                var texts = outputs[0].AsTensor<string>().ToArray();
                var logRewards = outputs[1].AsTensor<float>().ToArray();
                var logProbabilities = outputs[2].AsTensor<float>().ToArray();
                var space = StateSpace.Enumerate(env);
                var exact = Exact(space, policy);
                double tv = DistributionMetrics.TotalVariation(Empirical(space, texts.Select(reward.Parse)), exact);
                Assert.IsLessThan(0.03, tv, $"{model}: TV {tv}");
                for (int i = 0; i < 20; i++)
                {
                    Assert.AreEqual(reward.LogReward(reward.Parse(texts[i])), logRewards[i], 1e-5);
                    if (model == SequenceActionModel.Append) // one trajectory per sequence: log P(τ) = log P_T(x)
                    {
                        int t = Array.IndexOf(space.Terminals, space.IndexOf(reward.Parse(texts[i])));
                        Assert.AreEqual(Math.Log(exact[t]), logProbabilities[i], 1e-4);
                    }
                }
            }
        }
    }
}
