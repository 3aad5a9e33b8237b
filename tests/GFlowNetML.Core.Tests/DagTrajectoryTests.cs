using GFlowNetML.Environments;
using GFlowNetML.Sampling;

namespace GFlowNetML.Core.Tests;

/// <summary>Random walks of forward and backward steps: the graph stays acyclic, the incremental closure equals a
/// from-scratch closure, masks allow exactly the acyclic additions and the present edges, and steps are reversible.</summary>
[TestClass]
public sealed class DagTrajectoryTests
{
    [TestMethod]
    [DataRow(3, 11L)]
    [DataRow(5, 12L)]
    [DataRow(8, 13L)]
    public void RandomWalksNeverBreakAcyclicityOrTheClosure(int d, long seed)
    {
        var env = DagEnvironment.FromLinearGaussian(d, 1, 10);
        const int batch = 8, steps = 1500;
        int width = env.StateWidth, square = d * d, actions = env.ActionCount;
        var random = new GFlowNetRandom(seed);
        var states = new int[batch * width];
        var forwardMasks = new bool[batch * actions];
        var backwardMasks = new bool[batch * square];
        var chosen = new int[batch];
        int forwardSteps = 0, backwardSteps = 0, checkedStates = 0;
        for (int step = 0; step < steps; step++)
        {
            env.ForwardMasks(states, forwardMasks);
            env.BackwardMasks(states, backwardMasks);
            var goBackward = new bool[batch];
            for (int r = 0; r < batch; r++)
            {
                var state = states.AsSpan(r * width, width);
                CheckState(env, state, forwardMasks.AsSpan(r * actions, actions), backwardMasks.AsSpan(r * square, square));
                checkedStates++;
                var allowedForward = Enumerable.Range(0, square).Where(a => forwardMasks[r * actions + a]).ToArray();
                var allowedBackward = Enumerable.Range(0, square).Where(a => backwardMasks[r * square + a]).ToArray();
                goBackward[r] = allowedForward.Length == 0 || (allowedBackward.Length > 0 && random.NextDouble() < 0.4);
                chosen[r] = goBackward[r] ? allowedBackward[random.NextInt(allowedBackward.Length)]
                    : allowedForward[random.NextInt(allowedForward.Length)];
            }
            // One batched forward step (rows going backward take the exit, which leaves them unchanged) ...
            var forwardActions = new int[batch];
            var parents = (int[])states.Clone();
            for (int r = 0; r < batch; r++) forwardActions[r] = goBackward[r] ? env.ExitAction : chosen[r];
            env.Step(states, forwardActions);
            for (int r = 0; r < batch; r++)
            {
                if (goBackward[r])
                {
                    CollectionAssert.AreEqual(parents.AsSpan(r * width, width).ToArray(), states.AsSpan(r * width, width).ToArray());
                    // ... then each backward row on its own; the forward action back recreates the state.
                    var child = states.AsSpan(r * width, width);
                    var before = child.ToArray();
                    env.BackwardStep(child, [chosen[r]]);
                    var forward = new int[1];
                    env.ToForwardActions(child, [chosen[r]], forward);
                    var redo = child.ToArray();
                    env.Step(redo, forward);
                    CollectionAssert.AreEqual(before, redo);
                    backwardSteps++;
                }
                else
                {
                    var backward = new int[1];
                    env.ToBackwardActions(parents.AsSpan(r * width, width), [chosen[r]], backward);
                    var undo = states.AsSpan(r * width, width).ToArray();
                    env.BackwardStep(undo, backward);
                    CollectionAssert.AreEqual(parents.AsSpan(r * width, width).ToArray(), undo);
                    forwardSteps++;
                }
            }
        }
        Assert.AreEqual(batch * steps, checkedStates);
        Assert.IsTrue(forwardSteps > 4000 && backwardSteps > 2000, $"{forwardSteps} forward and {backwardSteps} backward steps");
    }

    private static void CheckState(DagEnvironment env, ReadOnlySpan<int> state, ReadOnlySpan<bool> forwardMask, ReadOnlySpan<bool> backwardMask)
    {
        int d = env.Nodes, square = d * d;
        var adjacency = state[..square].ToArray();
        Assert.IsTrue(DagReference.IsAcyclic(adjacency, d), env.Format(state));
        CollectionAssert.AreEqual(DagReference.Closure(adjacency, d), state[square..].ToArray(), env.Format(state));
        Assert.IsTrue(forwardMask[square], "exit must always be allowed");
        for (int a = 0; a < square; a++)
        {
            Assert.AreEqual(adjacency[a] == 1, backwardMask[a]);
            bool expected = false;
            if (a / d != a % d && adjacency[a] == 0)
            {
                adjacency[a] = 1;
                expected = DagReference.IsAcyclic(adjacency, d);
                adjacency[a] = 0;
            }
            Assert.AreEqual(expected, forwardMask[a], $"action {a} in {env.Format(state)}");
        }
    }
}
