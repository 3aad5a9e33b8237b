using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Models;

namespace GFlowNetML.Onnx.Tests;

/// <summary>Whole-trajectory sampling of the sequence, DAG and bit-sequence environments: the samples follow the exact
/// P_T of the policy (computed on the host, without ONNX Runtime) within the noise floor, the whole-trajectory and
/// host-driven modes draw the same objects from the same seed, and no masked action is ever taken.</summary>
[TestClass]
public sealed class StepGraphSamplingTests
{
    private static SamplerSession CpuSession(GFlowNetEnvironment env, PolicyWeights policy)
        => SamplerSession.Load(SamplerModel.Create(env, policy), new SamplerSessionOptions { Device = SamplerDevice.Cpu, Threads = 1 }, env);

    private static IEnumerable<GFlowNetEnvironment> SmallEnvironments()
    {
        foreach (var model in Enum.GetValues<SequenceActionModel>()) yield return StepGraphTests.Sequence(2, 4, model);
        yield return StepGraphTests.Dag(3);
        yield return new BitSequence(6, 2, 4, seed: 1);
    }

    [TestMethod]
    public void WholeTrajectory_MatchesTheExactTerminatingDistribution_WithinTheNoiseFloor()
    {
        const int n = 40_000;
        foreach (var env in SmallEnvironments())
        {
            var space = StateSpace.Enumerate(env);
            var policy = StepGraphHarness.RandomPolicy(env, 2, 32, seed: 9);
            var exact = TerminatingDistribution.Compute(space, HostLogProbabilities(env, policy, space.States));
            Assert.AreEqual(1.0, exact.Sum(), 1e-6, env.Description);
            using var session = CpuSession(env, policy);
            var samples = session.Sample(n, seed: 2025, SamplingMode.WholeTrajectory);
            foreach (var s in samples) AssertValidTerminal(env, s);
            double tv = DistributionMetrics.TotalVariation(SampleStatistics.Empirical(space, samples), exact);
            double floor = SampleStatistics.NoiseFloor(exact, n);
            Assert.IsLessThan(1.5 * floor, tv, $"{env.Description}: TV to the exact P_T = {tv:F5}, noise floor {floor:F5}");
            var uniform = Enumerable.Repeat(1.0 / exact.Length, exact.Length).ToArray();
            Assert.IsGreaterThan(10 * floor, DistributionMetrics.TotalVariation(exact, uniform), $"{env.Name}: P_T is nearly uniform; the check would prove little");
        }
    }

    [TestMethod]
    public void WholeTrajectoryAndHostLoop_DrawTheSameObjects_FromTheSameSeed()
    {
        GFlowNetEnvironment[] envs =
        [
            .. SmallEnvironments(),
            StepGraphTests.DefaultSequence(SequenceActionModel.WriteAnyBlank), StepGraphTests.DefaultSequence(SequenceActionModel.PrependOrAppend),
            DagEnvironment.FromLinearGaussian(), new BitSequence(),
        ];
        foreach (var env in envs)
        {
            using var session = CpuSession(env, StepGraphHarness.RandomPolicy(env, 2, 64, seed: 13));
            var whole = session.Sample(1500, seed: 77, SamplingMode.WholeTrajectory);
            var host = session.Sample(1500, seed: 77, SamplingMode.HostLoop);
            int same = 0;
            for (int i = 0; i < whole.Count; i++)
            {
                AssertValidTerminal(env, whole[i]);
                AssertValidTerminal(env, host[i]);
                if (!whole[i].State.SequenceEqual(host[i].State)) continue;
                same++;
                Assert.AreEqual(host[i].LogProbability, whole[i].LogProbability, 1e-4, $"{env.Name}: log P(τ) of sample {i}");
                Assert.AreEqual(host[i].Length, whole[i].Length, $"{env.Name}: length of sample {i}");
            }
            // Only near-ties of two Gumbel scores (float rounding) can split the modes.
            Assert.IsGreaterThanOrEqualTo(whole.Count * 0.995, same, $"{env.Description}: {same} of {whole.Count} samples agree");
            int distinct = whole.Select(s => s.Text).Distinct().Count();
            Assert.IsGreaterThan(10, distinct, $"{env.Name}: the samples are nearly all the same object");
        }
    }

    [TestMethod]
    public void AMaskedAction_IsNeverTaken_EvenWhenThePolicyPrefersIt()
    {
        foreach (var mode in new[] { SamplingMode.WholeTrajectory, SamplingMode.HostLoop })
        {
            // Sequences: the policy wants to exit at once (masked until full) and to write token 0 at position 0 again.
            foreach (var model in Enum.GetValues<SequenceActionModel>())
            {
                var env = StepGraphTests.Sequence(2, 4, model);
                using var session = CpuSession(env, Biased(env, env.ExitAction, 0));
                foreach (var s in session.Sample(2000, seed: 3, mode))
                {
                    AssertValidTerminal(env, s);
                    if (model == SequenceActionModel.WriteAnyBlank) Assert.AreEqual(0, s.State[0], $"{mode}: {s.Text} did not write token 0 at position 0 first");
                }
            }

            // DAG: the policy wants the self-loop 0→0 (never allowed) and the cycle 0→1→2→0, of which only two edges fit.
            var dag = StepGraphTests.Dag(3);
            using (var session = CpuSession(dag, Biased(dag, 0, 1, 5, 6)))
                foreach (var s in session.Sample(2000, seed: 4, mode))
                {
                    AssertValidTerminal(dag, s);
                    Assert.AreEqual(2, s.State[1] + s.State[5] + s.State[6], $"{mode}: {s.Text} has not exactly two edges of the cycle 0→1→2→0");
                }

            var bits = new BitSequence(6, 2, 4, seed: 1);
            using (var session = CpuSession(bits, Biased(bits, bits.ExitAction)))
                foreach (var s in session.Sample(2000, seed: 5, mode)) AssertValidTerminal(bits, s);
        }
    }

    /// <summary>A policy with logit 50 on the given actions and 0 elsewhere, whatever the state.</summary>
    private static PolicyWeights Biased(GFlowNetEnvironment env, params int[] preferred)
    {
        var bias = new float[env.ActionCount];
        foreach (int a in preferred) bias[a] = 50;
        return new PolicyWeights(
        [
            new DenseLayer(env.EncodingWidth, 4, new float[env.EncodingWidth * 4], [1, 1, 1, 1], LayerActivation.Relu),
            new DenseLayer(4, env.ActionCount, new float[4 * env.ActionCount], bias, LayerActivation.Identity),
        ]);
    }

    private static float[] HostLogProbabilities(GFlowNetEnvironment env, PolicyWeights policy, int[] states)
    {
        int rows = states.Length / env.StateWidth;
        var features = new float[rows * env.EncodingWidth];
        var masks = new bool[rows * env.ActionCount];
        env.Encode(states, features);
        env.ForwardMasks(states, masks);
        var result = new float[rows * env.ActionCount];
        policy.LogProbabilities(features, masks, rows, result);
        return result;
    }

    /// <summary>A sample is a valid object reached by allowed actions only: a full sequence of L + 1 actions, an acyclic
    /// graph whose closure is its own with one action per edge plus the exit, a full bit string of m + 1 actions.</summary>
    private static void AssertValidTerminal(GFlowNetEnvironment env, GFlowNetSample s)
    {
        switch (env)
        {
            case SequenceEnvironment seq:
                Assert.IsTrue(s.State.All(t => t >= 0 && t < seq.Tokens), $"{s.Text} is not a full sequence");
                Assert.AreEqual(seq.Length + 1, s.Length, s.Text);
                break;
            case DagEnvironment dag:
                int square = dag.Nodes * dag.Nodes;
                CollectionAssert.AreEqual(dag.StateOf(s.State.AsSpan(0, square)), s.State, $"{s.Text}: the closure is not the graph's");
                Assert.AreEqual(s.State.Take(square).Sum() + 1, s.Length, s.Text);
                break;
            case BitSequence bits:
                Assert.IsTrue(s.State.All(w => w >= 0 && w < 1 << bits.WordSize), $"{s.Text} is not a full string");
                Assert.AreEqual(bits.Words + 1, s.Length, s.Text);
                break;
            default:
                Assert.Fail($"unexpected environment {env.Name}");
                break;
        }
        Assert.IsTrue(double.IsFinite(s.LogProbability) && s.LogProbability <= 1e-6, $"{s.Text}: log P(τ) = {s.LogProbability}");
    }
}
