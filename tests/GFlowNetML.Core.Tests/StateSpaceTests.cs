using GFlowNetML.Environments;
using GFlowNetML.Evaluation;

namespace GFlowNetML.Core.Tests;

/// <summary>The enumerated state space: its transition table, and what enumerations it rejects.</summary>
[TestClass]
public sealed class StateSpaceTests
{
    [TestMethod]
    public void TransitionTableOfTheHyperGrid()
    {
        var env = new HyperGrid(2, 3);
        var space = StateSpace.Enumerate(env);
        Assert.AreEqual(9, space.Count);
        Assert.AreSame(env, space.Environment);
        for (int s = 0; s < space.Count; s++)
        {
            var state = space.State(s).ToArray();
            Assert.AreEqual(s, space.IndexOf(state));
            Assert.AreEqual(state.Count(x => x > 0), space.ParentCount[s], "parents = nonzero coordinates");
            Assert.AreEqual(s, space.TerminalPosition[s]);
            for (int a = 0; a < 2; a++)
            {
                int child = space.Children[s * 3 + a];
                if (state[a] == 2) { Assert.AreEqual(-1, child); continue; }
                int[] expected = (int[])state.Clone();
                expected[a]++;
                CollectionAssert.AreEqual(expected, space.State(child).ToArray());
                Assert.IsTrue(child > s);
            }
            Assert.AreEqual(-1, space.Children[s * 3 + 2], "exit has no child");
        }
        Assert.AreEqual(-1, space.IndexOf([3, 0]));
    }

    [TestMethod]
    public void ChainInOrderIsAccepted()
    {
        var space = StateSpace.Enumerate(new ChainEnvironment(3, [0, 1, 2]));
        Assert.AreEqual(3, space.Count);
        Assert.AreEqual(Math.Log(3), space.LogPartition, 1e-15);
        // The chain with a uniform policy is the D = 1, H = 3 hyper-grid: ½, ¼, ¼.
        double[] p = TerminatingDistribution.Compute(space, PolicyTables.Uniform(space));
        Assert.AreEqual(0.5, p[0], 1e-15);
        Assert.AreEqual(0.25, p[1], 1e-15);
        Assert.AreEqual(0.25, p[2], 1e-15);
    }

    [TestMethod]
    public void NonTopologicalEnumerationIsRejected()
    {
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => StateSpace.Enumerate(new ChainEnvironment(3, [0, 2, 1])));
        Assert.Contains("topological", e.Message);
    }

    [TestMethod]
    public void InitialStateMustComeFirst()
    {
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => StateSpace.Enumerate(new ChainEnvironment(3, [1, 0, 2])));
        Assert.Contains("initial state first", e.Message);
    }

    [TestMethod]
    public void DuplicateStateIsRejected()
    {
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => StateSpace.Enumerate(new ChainEnvironment(3, [0, 1, 1, 2])));
        Assert.Contains("twice", e.Message);
    }

    [TestMethod]
    public void MissingChildIsRejected()
    {
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => StateSpace.Enumerate(new ChainEnvironment(3, [0, 1])));
        Assert.Contains("does not contain", e.Message);
    }

    [TestMethod]
    public void EnvironmentWithoutEnumerationIsNotSupported()
    {
        Assert.ThrowsExactly<NotSupportedException>(() => StateSpace.Enumerate(new ChainEnvironment(3, null)));
        Assert.ThrowsExactly<ArgumentException>(() => StateSpace.Enumerate(new ChainEnvironment(3, [])));
        Assert.ThrowsExactly<ArgumentNullException>(() => StateSpace.Enumerate(null!));
    }
}
