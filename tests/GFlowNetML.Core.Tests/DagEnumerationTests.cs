using System.Diagnostics;
using GFlowNetML.Environments;
using GFlowNetML.Evaluation;

namespace GFlowNetML.Core.Tests;

/// <summary>Enumeration of all DAGs: the counts of OEIS A003024, topological order, closures, and exact evaluation over them.</summary>
[TestClass]
public sealed class DagEnumerationTests
{
    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(2, 3)]
    [DataRow(3, 25)]
    [DataRow(4, 543)]
    [DataRow(5, 29281)]
    public void CountsTopologicalOrderAndClosures(int d, int count)
    {
        var env = DagEnvironment.FromLinearGaussian(d, d == 1 ? 0 : 1, 10);
        var watch = Stopwatch.StartNew();
        int[] states = env.EnumerateStates()!;
        watch.Stop();
        int width = env.StateWidth, square = d * d;
        Assert.AreEqual(count * width, states.Length);
        Assert.IsTrue(watch.Elapsed.TotalSeconds < 5, $"enumeration of d = {d} took {watch.Elapsed.TotalSeconds:F2} s");
        var seen = new HashSet<string>();
        int previousEdges = 0;
        for (int s = 0; s < count; s++)
        {
            var state = states.AsSpan(s * width, width);
            var adjacency = state[..square];
            int edges = 0;
            foreach (int a in adjacency) { Assert.IsTrue(a is 0 or 1); edges += a; }
            Assert.IsTrue(edges >= previousEdges, $"state {s} has {edges} edges after a state with {previousEdges}");
            previousEdges = edges;
            Assert.IsTrue(DagReference.IsAcyclic(adjacency, d), env.Format(state));
            CollectionAssert.AreEqual(DagReference.Closure(adjacency, d), state[square..].ToArray(), env.Format(state));
            Assert.IsTrue(seen.Add(string.Join(",", adjacency.ToArray())));
        }
        Assert.AreEqual(0, states.Take(width).Sum());   // s0 first
        Assert.AreEqual(d * (d - 1) / 2, previousEdges); // complete DAGs last
    }

    [TestMethod]
    public void SixNodesAreNotEnumerated() => Assert.IsNull(DagEnvironment.FromLinearGaussian(6, 3, 10).EnumerateStates());

    [TestMethod]
    public void StateSpaceOfFourNodes()
    {
        // StateSpace checks that every step lands on an enumerated state later in the order.
        var env = DagEnvironment.FromLinearGaussian(4, 3, 20, 1);
        var space = StateSpace.Enumerate(env);
        Assert.AreEqual(543, space.Count);
        Assert.AreEqual(543, space.Terminals.Length);
        // The parents of a DAG are its one-edge-fewer subgraphs: one per edge.
        int totalEdges = 0;
        for (int s = 0; s < space.Count; s++) totalEdges += space.State(s)[..16].ToArray().Sum();
        Assert.AreEqual(totalEdges, space.ParentCount.Sum());
        // s0 allows all 12 off-diagonal edges and the exit.
        Assert.AreEqual(13, space.ForwardMask.Take(17).Count(m => m));
    }
}
