using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Models;
using GFlowNetML.Rewards;
using GFlowNetML.Onnx.Forms;
using GFlowNetML.Tests;
using static GFlowNetML.Tests.SamplingChecks;

namespace GFlowNetML.Onnx.Tests;

[TestClass]
public sealed class SamplingGraphTests
{
    private static readonly RowSamplerColumns Columns = new("seed", "sample", "log_reward", "log_probability");

    private static long[] Seeds(int n) => Enumerable.Range(0, n).Select(i => (long)i * 7919 - 5000).ToArray();

    /// <summary>Draws n vector samples from a batched graph: the states, log-rewards and log-probabilities.</summary>
    private static (int[][] States, double[] LogRewards, float[] LogProbabilities) DrawVectors(OnnxForm step, PolicyWeights policy, int n)
    {
        var (outputs, owner) = Run(RowSamplerGraph.For(step).Build(policy, Columns, batched: true), Seeds(n));
        using (owner)
        {
            int width = step.SampleWidth;
            var values = outputs[0].AsTensor<float>().ToArray();
            var states = Enumerable.Range(0, n).Select(i => values[(i * width)..((i + 1) * width)].Select(v => (int)v).ToArray()).ToArray();
            return (states, outputs[1].AsTensor<float>().Select(v => (double)v).ToArray(), outputs[2].AsTensor<float>().ToArray());
        }
    }

    [TestMethod]
    public void HyperGridSamplesFollowThePolicysTerminatingDistribution()
    {
        var env = new HyperGrid(2, 4);
        var policy = RandomPolicy(env, 1);
        var step = OnnxForms.ForRowSampler(env);
        Assert.IsNotInstanceOfType<EnumeratedForm>(step, "the hyper-grid's own form");
        var (states, logRewards, _) = DrawVectors(step, policy, 20000);
        var space = StateSpace.Enumerate(env);
        AssertFollows(space, Exact(space, policy), states, logRewards, "hypergrid");
    }

    [TestMethod]
    public void TheEnumeratedFallbackFollowsThePolicysTerminatingDistribution()
    {
        var env = new HyperGrid(2, 4);
        var policy = RandomPolicy(env, 2);
        var step = EnumeratedForm.TryCreate(env, out string reason);
        Assert.IsNotNull(step, reason);
        Assert.AreEqual("enumerated-v1", step.Name);
        var (states, logRewards, _) = DrawVectors(step, policy, 20000);
        var space = StateSpace.Enumerate(env);
        AssertFollows(space, Exact(space, policy), states, logRewards, "enumerated hypergrid");
    }

    [TestMethod]
    public void SequenceSamplesFollowThePolicysTerminatingDistributionAndCarryTheirLogProbability()
    {
        foreach (var model in Enum.GetValues<SequenceActionModel>())
        {
            var reward = new SyntheticBindingLandscape(tokens: 2, length: 3, motifs: 1, seed: 2).ToTable();
            var env = new SequenceEnvironment(reward, model);
            var policy = RandomPolicy(env, 3);
            var bytes = RowSamplerGraph.For(env).Build(policy, Columns, batched: true);
            const int n = 20000;
            var (outputs, owner) = Run(bytes, Seeds(n));
            using (owner)
            {
                var texts = outputs[0].AsTensor<string>().ToArray();
                var logRewards = outputs[1].AsTensor<float>().Select(v => (double)v).ToArray();
                var logProbabilities = outputs[2].AsTensor<float>().ToArray();
                var space = StateSpace.Enumerate(env);
                var exact = Exact(space, policy);
                AssertFollows(space, exact, texts.Select(reward.Parse).ToArray(), logRewards, model.ToString());
                for (int i = 0; i < 20 && model == SequenceActionModel.Append; i++)
                {
                    // One trajectory per sequence: log P(τ) = log P_T(x).
                    int t = Array.IndexOf(space.Terminals, space.IndexOf(reward.Parse(texts[i])));
                    Assert.AreEqual(Math.Log(exact[t]), logProbabilities[i], 1e-4);
                }
            }
        }
    }

    [TestMethod]
    public void DagsBeyondEnumerationAreValidWithTheirBGeLogReward()
    {
        var env = DagEnvironment.FromLinearGaussian(nodes: 7, expectedEdges: 7, samples: 60, seed: 4);
        Assert.IsNull(env.EnumerateStates());
        var step = OnnxForms.ForRowSampler(env);
        var (states, logRewards, logProbabilities) = DrawVectors(step, RandomPolicy(env, 5), 2000);
        var expected = new double[1];
        int edges = 0;
        for (int i = 0; i < states.Length; i++)
        {
            var adjacency = states[i].AsSpan(0, 49);
            CollectionAssert.AreEqual(env.StateOf(adjacency), states[i], "acyclic, closure consistent");
            env.LogReward(states[i], expected);
            Assert.AreEqual(expected[0], logRewards[i], 1e-4);
            Assert.IsLessThanOrEqualTo(0f, logProbabilities[i]);
            foreach (int a in adjacency) edges += a;
        }
        Assert.IsGreaterThan(states.Length, edges, "the draws are not all the empty graph");
        Assert.IsGreaterThan(100, states.Select(s => env.Format(s)).Distinct().Count());
    }

    [TestMethod]
    public void LargeHyperGridsAndBitSequencesGetTheirLogRewardInClosedForm()
    {
        GFlowNetEnvironment[] environments = [new HyperGrid(3, 12), new BitSequence(bits: 40, word: 4, codebook: 20, seed: 3, temperature: 2)];
        foreach (var env in environments)
        {
            var step = OnnxForms.ForRowSampler(env);
            Assert.IsNotInstanceOfType<EnumeratedForm>(step, env.Description);
            var (states, logRewards, _) = DrawVectors(step, RandomPolicy(env, 6), 3000);
            var expected = new double[1];
            var distinct = new HashSet<double>();
            for (int i = 0; i < states.Length; i++)
            {
                env.LogReward(states[i], expected);
                Assert.AreEqual(expected[0], logRewards[i], 1e-4, env.Format(states[i]));
                distinct.Add(expected[0]);
            }
            Assert.IsGreaterThan(1, distinct.Count, $"{env.Description}: the draws span several rewards");
        }
    }

    [TestMethod]
    public void AnEnvironmentWhoseRewardTableIsTooLargeIsRefusedWithTheReason()
    {
        var env = new SequenceEnvironment(new DelegateSequenceReward(4, 12, x => 0.0), SequenceActionModel.Append);
        var e = Assert.ThrowsExactly<NotSupportedException>(() => OnnxForms.ForRowSampler(env));
        StringAssert.Contains(e.Message, "K^L = 1.67772E+07 sequences, more than 8388608");
    }
}
