using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Rewards;
using GFlowNetML.Sampling;

namespace GFlowNetML.Onnx.Tests;

/// <summary>The sequence, DAG and bit-sequence step graphs alone against the C# environments, bit for bit: initial
/// states, features, forward masks and steps (active rows step, inactive rows and exits stay), on every state and
/// allowed action of small instances and on random reachable states of the default sizes; and the in-graph policy's
/// log-probabilities against the host evaluation of the same weights.</summary>
[TestClass]
public sealed class StepGraphTests
{
    internal static SequenceEnvironment Sequence(int tokens, int length, SequenceActionModel model, int motifs = 1)
        => new(new SyntheticBindingLandscape(tokens, length, motifs, seed: 3).ToTable(), model);

    internal static SequenceEnvironment DefaultSequence(SequenceActionModel model) => new(new SyntheticBindingLandscape().ToTable(), model);

    /// <summary>A structure-learning task over d nodes with d(d − 1)/4 expected edges (half the complete DAG).</summary>
    internal static DagEnvironment Dag(int nodes) => DagEnvironment.FromLinearGaussian(nodes, expectedEdges: nodes * (nodes - 1) / 4.0);

    private static readonly SequenceActionModel[] Models = Enum.GetValues<SequenceActionModel>();

    [TestMethod]
    public void Sequence_EveryStateAndAction_OfSmallInstances_MatchesTheEnvironment()
    {
        foreach (var model in Models)
        {
            AssertExhaustive(Sequence(2, 4, model));
            AssertExhaustive(Sequence(3, 1, model));
        }
    }

    [TestMethod]
    public void Sequence_DefaultTask_RandomReachableStates_MatchTheEnvironment()
    {
        foreach (var model in Models)
        {
            var env = DefaultSequence(model);
            Assert.AreEqual(8, env.Length);
            Assert.AreEqual(4, env.Tokens);
            AssertMatches(env, StepGraphHarness.ReachableStates(env, 200, seed: 1), everyAction: false, seed: 2);
        }
    }

    [TestMethod]
    public void Dag_EveryDagAndAction_UpToFourNodes_MatchesTheEnvironment()
    {
        for (int d = 1; d <= 4; d++) AssertExhaustive(Dag(d));
    }

    [TestMethod]
    public void Dag_FiveAndTwentyNodes_RandomReachableStates_MatchTheEnvironment()
    {
        var five = DagEnvironment.FromLinearGaussian();
        AssertMatches(five, StepGraphHarness.ReachableStates(five, 200, seed: 3), everyAction: true, seed: 4);
        var twenty = DagEnvironment.FromLinearGaussian(20, expectedEdges: 20, samples: 30);
        var states = StepGraphHarness.ReachableStates(twenty, 6, seed: 5);
        Assert.IsGreaterThan(200, states.Length / twenty.StateWidth, "the 20-node trajectories are long");
        AssertMatches(twenty, states, everyAction: false, seed: 6);
    }

    [TestMethod]
    public void BitSequence_SmallInstances_EveryStateAndAction_AndTheDefaultTask_MatchTheEnvironment()
    {
        AssertExhaustive(new BitSequence(6, 2, 4, seed: 1));
        AssertExhaustive(new BitSequence(3, 1, 2, seed: 1));
        var env = new BitSequence();
        Assert.AreEqual(30, env.Words);
        AssertMatches(env, StepGraphHarness.ReachableStates(env, 100, seed: 7), everyAction: false, seed: 8);
    }

    [TestMethod]
    public void InGraphPolicy_MatchesTheHostEvaluation_OnRandomReachableStates_PaperSizedPolicy()
    {
        GFlowNetEnvironment[] envs =
        [
            DefaultSequence(SequenceActionModel.WriteAnyBlank), DefaultSequence(SequenceActionModel.PrependOrAppend),
            DagEnvironment.FromLinearGaussian(), new BitSequence(),
        ];
        foreach (var env in envs)
        {
            var policy = StepGraphHarness.RandomPolicy(env, 4, 256, seed: 21);
            var states = StepGraphHarness.ReachableStates(env, 15, seed: 22);
            int rows = states.Length / env.StateWidth, actions = env.ActionCount;
            using var harness = new StepGraphHarness(env, policy);
            var ort = harness.Run(states, new int[rows], new bool[rows]).LogProbabilities!;
            var features = new float[rows * env.EncodingWidth];
            var masks = new bool[rows * actions];
            env.Encode(states, features);
            env.ForwardMasks(states, masks);
            var host = new float[rows * actions];
            policy.LogProbabilities(features, masks, rows, host);
            double worst = 0, spread = 0;
            for (int r = 0; r < rows; r++)
            {
                int allowed = 0;
                for (int a = 0; a < actions; a++) if (masks[r * actions + a]) allowed++;
                for (int a = 0; a < actions; a++)
                {
                    int k = r * actions + a;
                    if (!masks[k])
                    {
                        Assert.IsLessThan(-1e8, ort[k], $"{env.Name}: masked action {a} of row {r} has log π {ort[k]}");
                        continue;
                    }
                    worst = Math.Max(worst, Math.Abs(ort[k] - host[k]));
                    spread = Math.Max(spread, Math.Abs(host[k] - Math.Log(1.0 / allowed)));
                }
            }
            Assert.IsLessThanOrEqualTo(1e-5, worst, $"{env.Description}: max |log π_ORT − log π_host| = {worst}");
            Assert.IsGreaterThan(0.1, spread, $"{env.Name}: the policy is uniform; the parity check would prove little");
        }
    }

    [TestMethod]
    public void SamplerModels_NameTheirStepGraph_AndOpenAWholeTrajectorySession()
    {
        (GFlowNetEnvironment Env, string Name)[] cases =
        [
            (Sequence(2, 4, SequenceActionModel.WriteAnyBlank), "sequence-write-any-blank-v1"),
            (Sequence(2, 4, SequenceActionModel.Append), "sequence-append-v1"),
            (Sequence(2, 4, SequenceActionModel.PrependOrAppend), "sequence-prepend-or-append-v1"),
            (Dag(3), "dag-v1"),
            (new BitSequence(6, 2, 4), "bitseq-v1"),
        ];
        foreach (var (env, name) in cases)
        {
            var model = SamplerModel.Create(env, StepGraphHarness.RandomPolicy(env, 1, 8, seed: 1));
            Assert.AreEqual(name, model.StepGraph);
            using var session = SamplerSession.Load(model, new SamplerSessionOptions { Device = SamplerDevice.Cpu, Threads = 1 });
            Assert.IsTrue(session.SupportsWholeTrajectory, name);
        }
    }

    /// <summary>Every enumerated state with every allowed action.</summary>
    private static void AssertExhaustive(GFlowNetEnvironment env) => AssertMatches(env, StateSpace.Enumerate(env).States, everyAction: true, seed: 11);

    /// <summary>Runs the step graph on the states, each with its allowed actions (all, or one at random) and one inactive
    /// row with any action, and compares everything with the environment.</summary>
    private static void AssertMatches(GFlowNetEnvironment env, int[] stateList, bool everyAction, long seed)
    {
        int width = env.StateWidth, actions = env.ActionCount;
        int count = stateList.Length / width;
        var random = new GFlowNetRandom(seed);
        var masks = new bool[count * actions];
        env.ForwardMasks(stateList, masks);
        var rows = new List<int>();
        var rowActions = new List<int>();
        var rowActive = new List<bool>();
        for (int s = 0; s < count; s++)
        {
            var mask = masks.AsSpan(s * actions, actions);
            if (everyAction)
            {
                for (int a = 0; a < actions; a++)
                    if (mask[a]) { rows.Add(s); rowActions.Add(a); rowActive.Add(true); }
            }
            else { rows.Add(s); rowActions.Add(StepGraphHarness.RandomAllowed(mask, random)); rowActive.Add(true); }
            rows.Add(s); rowActions.Add(random.NextInt(actions)); rowActive.Add(false);
        }
        int n = rows.Count;
        var states = new int[n * width];
        for (int r = 0; r < n; r++) stateList.AsSpan(rows[r] * width, width).CopyTo(states.AsSpan(r * width, width));

        using var harness = new StepGraphHarness(env);
        var result = harness.Run(states, rowActions.ToArray(), rowActive.ToArray());

        var initial = new int[width];
        env.WriteInitialState(initial);
        var features = new float[n * env.EncodingWidth];
        var expectedMasks = new bool[n * actions];
        env.Encode(states, features);
        env.ForwardMasks(states, expectedMasks);
        for (int r = 0; r < n; r++)
        {
            var state = states.AsSpan(r * width, width);
            string where = $"{env.Description}, state {env.Format(state)}, action {rowActions[r]}{(rowActive[r] ? "" : " (inactive)")}";
            CollectionAssert.AreEqual(initial, result.Initial.AsSpan(r * width, width).ToArray(), $"initial state, {where}");
            CollectionAssert.AreEqual(features.AsSpan(r * env.EncodingWidth, env.EncodingWidth).ToArray(),
                result.Features.AsSpan(r * env.EncodingWidth, env.EncodingWidth).ToArray(), $"features, {where}");
            CollectionAssert.AreEqual(expectedMasks.AsSpan(r * actions, actions).ToArray(), result.Masks.AsSpan(r * actions, actions).ToArray(), $"masks, {where}");
            var next = state.ToArray();
            if (rowActive[r]) env.Step(next, [rowActions[r]]);
            CollectionAssert.AreEqual(next, result.Next.AsSpan(r * width, width).ToArray(),
                $"step, {where}: expected {env.Format(next)}, got {env.Format(result.Next.AsSpan(r * width, width))}");
        }
    }
}
