using GFlowNetML.Environments;
using GFlowNetML.Evaluation;

namespace GFlowNetML.Core.Tests;

/// <summary>From-scratch reference computations on adjacency flags, independent of the environment's incremental closure.</summary>
internal static class DagReference
{
    /// <summary>Kahn's algorithm with in-degrees: acyclic iff every node gets removed.</summary>
    public static bool IsAcyclic(ReadOnlySpan<int> adjacency, int d)
    {
        var indegree = new int[d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++) indegree[j] += adjacency[i * d + j];
        var queue = new Queue<int>(Enumerable.Range(0, d).Where(j => indegree[j] == 0));
        int removed = 0;
        while (queue.Count > 0)
        {
            int i = queue.Dequeue();
            removed++;
            for (int j = 0; j < d; j++)
                if (adjacency[i * d + j] != 0 && --indegree[j] == 0) queue.Enqueue(j);
        }
        return removed == d;
    }

    /// <summary>Warshall's algorithm: reach[i, j] = 1 when a path of at least one edge leads from i to j.</summary>
    public static int[] Closure(ReadOnlySpan<int> adjacency, int d)
    {
        var reach = adjacency[..(d * d)].ToArray();
        for (int k = 0; k < d; k++)
            for (int i = 0; i < d; i++)
                if (reach[i * d + k] != 0)
                    for (int j = 0; j < d; j++)
                        if (reach[k * d + j] != 0) reach[i * d + j] = 1;
        return reach;
    }
}

/// <summary>The structure-learning environment: shape, masks, incremental closure, steps, validation, description.</summary>
[TestClass]
public sealed class DagEnvironmentTests
{
    private static readonly DagEnvironment Default = DagEnvironment.FromLinearGaussian();

    [TestMethod]
    public void ShapeOfTheDefaultTask()
    {
        var env = Default;
        Assert.AreEqual("dag", env.Name);
        Assert.AreEqual(5, env.Nodes);
        Assert.AreEqual(50, env.StateWidth);
        Assert.AreEqual(26, env.ActionCount);
        Assert.AreEqual(25, env.ExitAction);
        Assert.AreEqual(25, env.BackwardActionCount);
        Assert.AreEqual(25, env.EncodingWidth);
        Assert.AreEqual(11, env.MaxTrajectoryLength);   // 10 edges of a complete DAG + exit
        Assert.AreEqual("dag(nodes=5, expected_edges=5, samples=100, seed=0, noise=0.1, alpha_mu=1, alpha_w=7)", env.Description);
        Assert.IsInstanceOfType<Guides.DagGuide>(env.DefaultGuide);
    }

    [TestMethod]
    public void ParametersRecreateTheSameEnvironment()
    {
        var env = DagEnvironment.FromLinearGaussian(4, 3, 50, 7, 0.2, alphaMu: 2, alphaW: 8);
        var parameters = env.Parameters!;
        Assert.AreEqual("4", parameters["nodes"]);
        Assert.AreEqual("3", parameters["expected_edges"]);
        Assert.AreEqual("50", parameters["samples"]);
        Assert.AreEqual("7", parameters["seed"]);
        Assert.AreEqual("0.2", parameters["noise"]);
        Assert.AreEqual("2", parameters["alpha_mu"]);
        Assert.AreEqual("8", parameters["alpha_w"]);
        var again = DagEnvironment.FromCatalog(new EnvironmentCatalog.ParameterReader("dag", parameters));
        Assert.AreEqual(env.Description, again.Description);
        Assert.AreEqual(env.Score.EmptyGraphScore, again.Score.EmptyGraphScore);
        // No parameters at all: the paper's task.
        var paper = DagEnvironment.FromCatalog(new EnvironmentCatalog.ParameterReader("dag", new Dictionary<string, string>()));
        Assert.AreEqual(Default.Description, paper.Description);
    }

    [TestMethod]
    public void UserMatrixHasNoParametersAndADataFingerprint()
    {
        var a = DagEnvironment.FromData(new DagData(new double[,] { { 1, 2 }, { 3, 5 }, { 0, 1 } }));
        var b = DagEnvironment.FromData(new DagData(new double[,] { { 1, 2 }, { 3, 5 }, { 0, 1.5 } }));
        Assert.IsNull(a.Parameters);
        StringAssert.StartsWith(a.Description, "dag(nodes=2, samples=3, data=matrix, alpha_mu=1, alpha_w=4, r=");
        Assert.AreNotEqual(a.Description, b.Description);
        Assert.IsNull(new DagEnvironment(a.Score).Parameters);
    }

    [TestMethod]
    public void InitialStateMasksAllOffDiagonalEdgesAndExit()
    {
        var env = DagEnvironment.FromLinearGaussian(3, 1, 10);
        var s0 = new int[env.StateWidth];
        env.WriteInitialState(s0);
        var masks = new bool[env.ActionCount];
        env.ForwardMasks(s0, masks);
        // Actions 0..8 = i·3 + j; the diagonal 0, 4, 8 is masked; 9 = exit.
        CollectionAssert.AreEqual(new[] { false, true, true, true, false, true, true, true, false, true }, masks);
        var backward = new bool[env.BackwardActionCount];
        env.BackwardMasks(s0, backward);
        Assert.IsFalse(backward.Any(b => b));
    }

    [TestMethod]
    public void StepUpdatesClosureAndMasksCycleClosingEdges()
    {
        var env = DagEnvironment.FromLinearGaussian(3, 1, 10);
        var state = new int[env.StateWidth];
        env.Step(state, [0 * 3 + 1]);   // 0→1
        env.Step(state, [1 * 3 + 2]);   // 1→2
        Assert.AreEqual("{0→1, 1→2}", env.Format(state));
        // Closure: 0 reaches 1 and 2, 1 reaches 2.
        CollectionAssert.AreEqual(new[] { 0, 1, 1, 0, 0, 1, 0, 0, 0 }, state[9..]);
        var masks = new bool[env.ActionCount];
        env.ForwardMasks(state, masks);
        // Allowed: 0→2 only (1→0, 2→0, 2→1 close cycles; 0→1, 1→2 exist); exit always.
        CollectionAssert.AreEqual(new[] { false, false, true, false, false, false, false, false, false, true }, masks);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => env.Step(state, [2 * 3 + 0]));
        StringAssert.Contains(ex.Message, "Action 6 (edge 2→0) is not allowed in state {0→1, 1→2}");
        Assert.ThrowsExactly<ArgumentException>(() => env.Step(state, [4]));    // diagonal
        Assert.ThrowsExactly<ArgumentException>(() => env.Step(state, [1]));    // existing edge
        Assert.ThrowsExactly<ArgumentException>(() => env.Step(state, [10]));   // out of range
        Assert.ThrowsExactly<ArgumentException>(() => env.Step(state, [-1]));
        env.Step(state, [9]);   // exit leaves the state unchanged
        Assert.AreEqual("{0→1, 1→2}", env.Format(state));
    }

    [TestMethod]
    public void BackwardStepRecomputesTheAffectedClosureRows()
    {
        var env = DagEnvironment.FromLinearGaussian(4, 1, 10);
        // 0→1→2→3 and 0→2: removing 1→2 leaves 0 reaching 2 and 3 through 0→2, and 1 reaching nothing.
        var state = env.StateOf([0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
        env.BackwardStep(state, [1 * 4 + 2]);
        Assert.AreEqual("{0→1, 0→2, 2→3}", env.Format(state));
        CollectionAssert.AreEqual(DagReference.Closure(state, 4), state[16..]);
        CollectionAssert.AreEqual(new[] { 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 }, state[16..]);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => env.BackwardStep(state, [1 * 4 + 2]));
        StringAssert.Contains(ex.Message, "Backward action 6 (edge 1→2) is not allowed in state {0→1, 0→2, 2→3}");
        Assert.ThrowsExactly<ArgumentException>(() => env.BackwardStep(state, [16]));

        // The chain 3→0→1→2: removing 0→1 makes 3 (an ancestor of 0) lose 1 and 2 as well.
        var chain = env.StateOf([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
        env.BackwardStep(chain, [0 * 4 + 1]);
        Assert.AreEqual("{1→2, 3→0}", env.Format(chain));
        CollectionAssert.AreEqual(new[] { 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0 }, chain[16..]);
    }

    [TestMethod]
    public void ActionConversionsAreTheIdentityAndEncodingIsTheAdjacency()
    {
        var env = DagEnvironment.FromLinearGaussian(3, 1, 10);
        var states = new int[2 * env.StateWidth];
        env.Step(states.AsSpan(0, env.StateWidth), [5]);   // 1→2 in the first state
        var backward = new int[2];
        env.ToBackwardActions(states, [5, 3], backward);
        CollectionAssert.AreEqual(new[] { 5, 3 }, backward);
        var forward = new int[2];
        env.ToForwardActions(states, [5, 3], forward);
        CollectionAssert.AreEqual(new[] { 5, 3 }, forward);
        var features = new float[2 * env.EncodingWidth];
        features.AsSpan().Fill(-1f);
        env.Encode(states, features);
        CollectionAssert.AreEqual(new float[] { 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, features);
    }

    [TestMethod]
    public void LogRewardIsRelativeToTheEmptyGraph()
    {
        var env = Default;
        var state = new int[env.StateWidth];
        var logReward = new double[1];
        env.LogReward(state, logReward);
        Assert.AreEqual(0.0, logReward[0]);
        int[] adjacency = new int[25];
        adjacency[0 * 5 + 3] = 1;
        adjacency[2 * 5 + 3] = 1;
        adjacency[3 * 5 + 4] = 1;
        env.LogReward(env.StateOf(adjacency), logReward);
        Assert.AreEqual(env.Score.Score(adjacency) - env.Score.EmptyGraphScore, logReward[0], 1e-9);
        Assert.AreEqual(env.Score.LocalScore(3, 0b101) - env.Score.LocalScore(3, 0) + env.Score.LocalScore(4, 0b1000) - env.Score.LocalScore(4, 0),
            logReward[0], 1e-9);
    }

    [TestMethod]
    public void StateOfRejectsCyclesSelfLoopsAndBadFlags()
    {
        var env = DagEnvironment.FromLinearGaussian(3, 1, 10);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => env.StateOf([0, 1, 0, 0, 0, 1, 1, 0, 0])).Message, "cycle");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => env.StateOf([0, 0, 0, 0, 1, 0, 0, 0, 0])).Message, "self-loop 1→1");
        Assert.ThrowsExactly<ArgumentException>(() => env.StateOf([0, 2, 0, 0, 0, 0, 0, 0, 0]));
        Assert.ThrowsExactly<ArgumentException>(() => env.StateOf([0, 1]));
    }

    [TestMethod]
    public void ArgumentChecks()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DagEnvironment.FromLinearGaussian(0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DagEnvironment.FromLinearGaussian(21, 1));
        Assert.ThrowsExactly<ArgumentException>(() => DagEnvironment.FromData(new DagData(new double[3, 21])));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => DagEnvironment.FromData(new DagData(new double[3, 4]), nodes: 5)).Message,
            "matrix has 4 columns, but 5 nodes were asked for");
        Assert.AreEqual(4, DagEnvironment.FromData(new DagData(new double[,] { { 1, 2, 3, 4 }, { 0, 1, 0, 2 } }), nodes: 4).Nodes);
        Assert.ThrowsExactly<ArgumentException>(() => Default.ForwardMasks(new int[49], new bool[26]));
    }

    [TestMethod]
    public void TwentyNodesWork()
    {
        var env = DagEnvironment.FromLinearGaussian(20, 20, 30, 3);
        Assert.AreEqual(191, env.MaxTrajectoryLength);
        Assert.IsNull(env.EnumerateStates());
        var state = new int[env.StateWidth];
        env.Step(state, [19 * 20 + 0]);
        env.Step(state, [0 * 20 + 7]);
        var masks = new bool[env.ActionCount];
        env.ForwardMasks(state, masks);
        Assert.IsFalse(masks[7 * 20 + 19]);   // 19 → 0 → 7 makes 7 → 19 a cycle
        Assert.IsTrue(masks[19 * 20 + 7]);
        var logReward = new double[1];
        env.LogReward(state, logReward);
        Assert.IsTrue(double.IsFinite(logReward[0]));
    }

    [TestMethod]
    public void OneNodeHasOnlyTheEmptyGraph()
    {
        var env = DagEnvironment.FromLinearGaussian(1, 0, 10);
        Assert.AreEqual(2, env.ActionCount);
        Assert.AreEqual(1, env.MaxTrajectoryLength);
        var space = StateSpace.Enumerate(env);
        Assert.AreEqual(1, space.Count);
        Assert.AreEqual(0.0, space.LogPartition);
    }
}
