using GFlowNetML.Conformance;
using GFlowNetML.Environments;

namespace GFlowNetML.Core.Tests;

/// <summary>The conformance kit: every built-in environment passes, and each deliberately broken environment fails with a
/// message naming the check and the state.</summary>
[TestClass]
public sealed class ConformanceTests
{
    [TestMethod]
    [DataRow(1, 2)]
    [DataRow(1, 9)]
    [DataRow(2, 8)]
    [DataRow(2, 64)]
    [DataRow(3, 5)]
    [DataRow(3, 40)]   // 64,000 cells: beyond MaxExhaustiveStates, checked on sampled states
    public void HyperGridPasses(int ndim, int height)
    {
        var report = EnvironmentConformance.Check(new HyperGrid(ndim, height, 0.01));
        Assert.IsTrue(report.Passed, report.ToString());
        Assert.AreEqual(0, report.Failures.Count);
        Assert.AreEqual(200, report.TrajectoriesSampled);
        if (Math.Pow(height, ndim) <= 20_000) Assert.AreEqual((int)Math.Pow(height, ndim), report.StatesChecked);
        else Assert.IsTrue(report.Notes.Any(n => n.Contains("MaxExhaustiveStates")), string.Join("\n", report.Notes));
        report.ThrowIfFailed();
    }

    [TestMethod]
    [DataRow(8, 2)]
    [DataRow(12, 4)]
    [DataRow(6, 1)]
    [DataRow(120, 4)]   // the default task: not enumerable, checked on 200 random trajectories
    public void BitSequencePasses(int bits, int word)
    {
        var env = new BitSequence(bits, word, bits == 120 ? 60 : 4, 1.0, 0);
        var report = EnvironmentConformance.Check(env);
        Assert.IsTrue(report.Passed, report.ToString());
        if (env.StateCount <= 20_000) Assert.AreEqual((int)env.StateCount, report.StatesChecked);
        else Assert.IsTrue(report.Notes.Any(n => n.Contains("EnumerateStates returned null")));
    }

    [TestMethod]
    [DataRow(SequenceActionModel.WriteAnyBlank, 3, 3)]
    [DataRow(SequenceActionModel.Append, 3, 3)]
    [DataRow(SequenceActionModel.PrependOrAppend, 3, 3)]
    [DataRow(SequenceActionModel.WriteAnyBlank, 4, 8)]   // the default task: 390,625 states, checked on sampled states
    [DataRow(SequenceActionModel.PrependOrAppend, 4, 8)]
    public void SequencePasses(SequenceActionModel model, int tokens, int length)
    {
        var env = new SequenceEnvironment(new Rewards.SyntheticBindingLandscape(tokens, length).ToTable(), model);
        var report = EnvironmentConformance.Check(env);
        Assert.IsTrue(report.Passed, report.ToString());
        if (env.StateCount <= 20_000) Assert.AreEqual((int)env.StateCount, report.StatesChecked);
    }

    [TestMethod]
    [DataRow(1, 20_000)]
    [DataRow(3, 20_000)]
    [DataRow(5, 30_000)]   // all 29,281 DAGs of the paper's task, exhaustively
    [DataRow(8, 20_000)]   // not enumerable: checked on sampled states
    public void DagPasses(int nodes, int exhaustive)
    {
        var env = DagEnvironment.FromLinearGaussian(nodes, expectedEdges: nodes * (nodes - 1) / 4.0, samples: 50, seed: 3);
        var report = EnvironmentConformance.Check(env, new ConformanceOptions { MaxExhaustiveStates = exhaustive });
        Assert.IsTrue(report.Passed, report.ToString());
        int[] dagCounts = [1, 1, 3, 25, 543, 29_281];
        if (nodes <= 5) Assert.AreEqual(dagCounts[nodes], report.StatesChecked);
    }

    [TestMethod]
    public void ChainPassesWithAndWithoutEnumeration()
    {
        Assert.IsTrue(EnvironmentConformance.Check(new ChainEnvironment(5, [0, 1, 2, 3, 4])).Passed);
        Assert.IsTrue(EnvironmentConformance.Check(new ChainEnvironment(5, null)).Passed);
    }

    [TestMethod]
    public void BackwardStepToTheWrongParentFails()
    {
        var report = EnvironmentConformance.Check(new WrongParentGrid());
        Assert.IsFalse(report.Passed);
        // (1, 1) −action 0→ should give (0, 1); the broken step decrements dimension 1 instead: (1, 0).
        AssertFailure(report, ConformanceCheck.StepInverse, "Step((0, 1), action 0) = (1, 1), but BackwardStep((1, 1), backward action 0) = (1, 0), not (0, 1).");
        Assert.IsTrue(report.Failures.Any(f => f.Check == ConformanceCheck.Reversibility), report.ToString());
        var thrown = Assert.ThrowsExactly<ConformanceException>(report.ThrowIfFailed);
        StringAssert.Contains(thrown.Message, "step-inverse: Step((0, 1), action 0) = (1, 1)");
        Assert.AreEqual(report.Failures.Count, thrown.Failures.Count);
    }

    [TestMethod]
    public void ForwardMaskAllowingAMoveOffTheGridFails()
    {
        var report = EnvironmentConformance.Check(new OffGridMaskGrid(lenientStep: false));
        Assert.IsFalse(report.Passed);
        AssertFailureStartsWith(report, ConformanceCheck.ForwardMask, "Step threw ArgumentException ('Action 0 is not allowed in state (3, 0).");
        StringAssert.Contains(report.Failures.First(f => f.Message.Contains("(3, 0)")).Message, "for the allowed action 0 in the state (3, 0)");
    }

    [TestMethod]
    public void MoveOffTheGridIsMissingFromTheEnumeration()
    {
        var report = EnvironmentConformance.Check(new OffGridMaskGrid(lenientStep: true));
        Assert.IsFalse(report.Passed);
        AssertFailure(report, ConformanceCheck.Enumeration, "The child (4, 0) of (3, 0) (action 0) is missing from the enumeration.");
    }

    [TestMethod]
    public void BatchedStepThatOnlyStepsRowZeroFails()
    {
        var report = EnvironmentConformance.Check(new RowZeroStepGrid());
        Assert.IsFalse(report.Passed);
        Assert.IsTrue(report.Failures.All(f => f.Check == ConformanceCheck.BatchConsistency), report.ToString());
        var failure = report.Failures.First();
        StringAssert.StartsWith(failure.Message, "Batched Step differs from the one-by-one call for row ");
        StringAssert.Contains(failure.Message, "batched,");
    }

    [TestMethod]
    public void NaNLogRewardFails()
    {
        var report = EnvironmentConformance.Check(new NaNDiagonalGrid());
        Assert.IsFalse(report.Passed);
        AssertFailure(report, ConformanceCheck.LogReward, "The log-reward of the terminal state (2, 2) is NaN; log-rewards of valid terminal states must be finite (not NaN, not ±∞).");
        Assert.IsFalse(report.Failures.Any(f => f.Check == ConformanceCheck.LogReward && f.Message.Contains("(1, 2)")));
    }

    [TestMethod]
    public void NegativeInfiniteLogRewardFails()
    {
        var report = EnvironmentConformance.Check(new NaNDiagonalGrid(double.NegativeInfinity));
        AssertFailure(report, ConformanceCheck.LogReward, "The log-reward of the terminal state (0, 0) is -Infinity; log-rewards of valid terminal states must be finite (not NaN, not ±∞).");
    }

    [TestMethod]
    public void EnumerationOutOfTopologicalOrderFails()
    {
        // HyperGrid(2, 4) enumerates (0,0), (1,0), (2,0), …; swap (1,0) and (2,0).
        var report = EnvironmentConformance.Check(new SwappedEnumerationGrid());
        Assert.IsFalse(report.Passed);
        AssertFailure(report, ConformanceCheck.Enumeration, "The enumeration is not in topological order: (1, 0) at index 2 has the child (2, 0) (action 0) at index 1; every child must come after its parent.");

        var chain = EnvironmentConformance.Check(new ChainEnvironment(4, [0, 2, 1, 3]));
        AssertFailure(chain, ConformanceCheck.Enumeration, "The enumeration is not in topological order: (1) at index 2 has the child (2) (action 0) at index 1; every child must come after its parent.");
        var missingS0 = EnvironmentConformance.Check(new ChainEnvironment(3, [1, 0, 2]));
        AssertFailure(missingS0, ConformanceCheck.Enumeration, "The enumeration must start with s0 (0); it starts with (1).");
        var duplicate = EnvironmentConformance.Check(new ChainEnvironment(3, [0, 1, 1, 2]));
        AssertFailure(duplicate, ConformanceCheck.Enumeration, "The enumeration holds the state (1) twice, at indices 1 and 2.");
        var incomplete = EnvironmentConformance.Check(new ChainEnvironment(3, [0, 1]));
        AssertFailure(incomplete, ConformanceCheck.Enumeration, "The state (2), reached from s0 by a random trajectory, is missing from the enumeration.");
    }

    [TestMethod]
    public void ExceptionInsideStepIsReportedNotThrown()
    {
        var report = EnvironmentConformance.Check(new ThrowingStepGrid());
        Assert.IsFalse(report.Passed);
        AssertFailure(report, ConformanceCheck.ForwardMask, "Step threw InvalidOperationException ('boom') for the allowed action 1 in the state (0, 0).");
        Assert.IsTrue(report.Failures.Any(f => f.Check == ConformanceCheck.BatchConsistency && f.Message.StartsWith("Batched Step threw InvalidOperationException ('boom')")), report.ToString());
    }

    [TestMethod]
    public void TooShortMaxTrajectoryLengthFails()
    {
        var report = EnvironmentConformance.Check(new ChainEnvironment(5, null, maxTrajectoryLength: 3));
        Assert.IsFalse(report.Passed);
        AssertFailure(report, ConformanceCheck.TrajectoryLength, "A forward trajectory took 3 actions from s0 without being able to stop within MaxTrajectoryLength = 3 (exit included); it is at (3) after the actions [0, 0, 0].");
        AssertFailure(report, ConformanceCheck.BackwardSampling, "Backward sampling from the terminal state (3) did not reach s0 within MaxTrajectoryLength − 1 = 2 backward steps; it is at (1).");
    }

    [TestMethod]
    public void InitialStateWithAParentDeadEndsAndBadEncodingFail()
    {
        var report = EnvironmentConformance.Check(new SloppyGrid());
        AssertFailure(report, ConformanceCheck.InitialState, "s0 (0, 0) allows the backward actions [0, 1]; s0 has no parent, so it must allow none.");
        AssertFailure(report, ConformanceCheck.Exit, "The state (2, 2) allows no forward action, not even exit: a dead end (a state with no child must allow exit).");
        AssertFailure(report, ConformanceCheck.Encoding, "Encode wrote feature 6 for the state (0, 0), beyond the declared EncodingWidth 6.");
        Assert.IsTrue(report.Failures.Any(f => f.Check == ConformanceCheck.Encoding && f.Message.Contains("NaN (non-finite, or not written")), report.ToString());
    }

    [TestMethod]
    public void BrokenShapeIsReportedAndStopsTheChecks()
    {
        var report = EnvironmentConformance.Check(new ChainEnvironment(3, null, maxTrajectoryLength: 0));
        Assert.IsFalse(report.Passed);
        Assert.AreEqual(1, report.Failures.Count);
        Assert.AreEqual(new ConformanceFailure(ConformanceCheck.Shape, "MaxTrajectoryLength is 0; it must be at least 1 (the exit action)."), report.Failures[0]);
        Assert.AreEqual(0, report.StatesChecked);
    }

    [TestMethod]
    public void FailuresAreCappedPerCheckAndTheRestCounted()
    {
        var report = EnvironmentConformance.Check(new NaNDiagonalGrid(), new ConformanceOptions { MaxFailuresPerCheck = 2 });
        var logReward = report.Failures.Where(f => f.Check == ConformanceCheck.LogReward).ToList();
        Assert.AreEqual(3, logReward.Count);   // (0,0), (1,1), then "… and 2 more" for (2,2), (3,3)
        Assert.AreEqual("… and 2 more failures of this check, not listed.", logReward[2].Message);
    }

    [TestMethod]
    public void SameSeedSameReportAndOptionsAreValidated()
    {
        var options = new ConformanceOptions { Seed = 5, Trajectories = 20, BatchSize = 8 };
        string a = EnvironmentConformance.Check(new RowZeroStepGrid(), options).ToString();
        string b = EnvironmentConformance.Check(new RowZeroStepGrid(), options).ToString();
        Assert.AreEqual(a, b);
        StringAssert.StartsWith(a, "Environment conformance failed for hypergrid(ndim=2, height=4, r0=0.01, r1=0.5, r2=2) (16 states, 20 trajectories): ");

        Assert.AreEqual("Trajectories", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => EnvironmentConformance.Check(new HyperGrid(1, 3), new ConformanceOptions { Trajectories = 0 })).ParamName);
        Assert.AreEqual("BatchSize", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => EnvironmentConformance.Check(new HyperGrid(1, 3), new ConformanceOptions { BatchSize = 0 })).ParamName);
        Assert.AreEqual("MaxFailuresPerCheck", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => EnvironmentConformance.Check(new HyperGrid(1, 3), new ConformanceOptions { MaxFailuresPerCheck = 0 })).ParamName);
        Assert.ThrowsExactly<ArgumentNullException>(() => EnvironmentConformance.Check(null!));
    }

    private static void AssertFailure(ConformanceReport report, string check, string message)
        => Assert.IsTrue(report.Failures.Contains(new ConformanceFailure(check, message)), $"Expected '{check}: {message}' in\n{report}");

    private static void AssertFailureStartsWith(ConformanceReport report, string check, string prefix)
        => Assert.IsTrue(report.Failures.Any(f => f.Check == check && f.Message.StartsWith(prefix, StringComparison.Ordinal)), $"Expected '{check}: {prefix}…' in\n{report}");

    // ---- Deliberately broken environments: a 2-D hyper-grid with one member changed. ----

    /// <summary>Forwards everything to a hyper-grid; subclasses break one member.</summary>
    private class WrappedGrid(int height = 4) : GFlowNetEnvironment
    {
        protected readonly HyperGrid Inner = new(2, height, 0.01);
        public override string Name => Inner.Name;
        public override string Description => Inner.Description;
        public override int StateWidth => Inner.StateWidth;
        public override int ActionCount => Inner.ActionCount;
        public override int BackwardActionCount => Inner.BackwardActionCount;
        public override int EncodingWidth => Inner.EncodingWidth;
        public override int MaxTrajectoryLength => Inner.MaxTrajectoryLength;
        public override void WriteInitialState(Span<int> state) => Inner.WriteInitialState(state);
        public override void ForwardMasks(ReadOnlySpan<int> states, Span<bool> masks) => Inner.ForwardMasks(states, masks);
        public override void BackwardMasks(ReadOnlySpan<int> states, Span<bool> masks) => Inner.BackwardMasks(states, masks);
        public override void Step(Span<int> states, ReadOnlySpan<int> actions) => Inner.Step(states, actions);
        public override void BackwardStep(Span<int> states, ReadOnlySpan<int> backwardActions) => Inner.BackwardStep(states, backwardActions);
        public override void ToBackwardActions(ReadOnlySpan<int> parents, ReadOnlySpan<int> actions, Span<int> backwardActions) => Inner.ToBackwardActions(parents, actions, backwardActions);
        public override void ToForwardActions(ReadOnlySpan<int> children, ReadOnlySpan<int> backwardActions, Span<int> actions) => Inner.ToForwardActions(children, backwardActions, actions);
        public override void Encode(ReadOnlySpan<int> states, Span<float> features) => Inner.Encode(states, features);
        public override void LogReward(ReadOnlySpan<int> states, Span<double> logRewards) => Inner.LogReward(states, logRewards);
        public override bool IsMode(ReadOnlySpan<int> state) => Inner.IsMode(state);
        public override int[]? EnumerateStates() => Inner.EnumerateStates();
    }

    /// <summary>Backward action b decrements the other dimension when it is positive: the wrong parent.</summary>
    private sealed class WrongParentGrid : WrappedGrid
    {
        public override void BackwardStep(Span<int> states, ReadOnlySpan<int> backwardActions)
        {
            for (int i = 0; i < backwardActions.Length; i++)
            {
                int other = 1 - backwardActions[i];
                states[2 * i + (states[2 * i + other] > 0 ? other : backwardActions[i])]--;
            }
        }
    }

    /// <summary>The forward mask allows every move, even off the grid; the step is the grid's (throws) or lenient (moves off).</summary>
    private sealed class OffGridMaskGrid(bool lenientStep) : WrappedGrid
    {
        public override void ForwardMasks(ReadOnlySpan<int> states, Span<bool> masks) => masks[..(states.Length / 2 * 3)].Fill(true);

        public override void Step(Span<int> states, ReadOnlySpan<int> actions)
        {
            if (!lenientStep) { Inner.Step(states, actions); return; }
            for (int i = 0; i < actions.Length; i++) if (actions[i] < 2) states[2 * i + actions[i]]++;
        }

        public override void Encode(ReadOnlySpan<int> states, Span<float> features)
        {
            // Raw coordinates instead of the K-hot code, so that cells off the grid do not crash the encoding.
            features[..(states.Length / 2 * 8)].Clear();
            for (int i = 0; i < states.Length / 2; i++) { features[8 * i] = states[2 * i]; features[8 * i + 1] = states[2 * i + 1]; }
        }

        public override void LogReward(ReadOnlySpan<int> states, Span<double> logRewards) => logRewards[..(states.Length / 2)].Clear();
    }

    /// <summary>The batched step only moves row 0; one-by-one it is right.</summary>
    private sealed class RowZeroStepGrid : WrappedGrid
    {
        public override void Step(Span<int> states, ReadOnlySpan<int> actions) => Inner.Step(states[..2], actions[..1]);
    }

    /// <summary>log R = NaN (or another value) on the diagonal x0 = x1.</summary>
    private sealed class NaNDiagonalGrid(double diagonal = double.NaN) : WrappedGrid
    {
        public override void LogReward(ReadOnlySpan<int> states, Span<double> logRewards)
        {
            Inner.LogReward(states, logRewards);
            for (int i = 0; i < states.Length / 2; i++) if (states[2 * i] == states[2 * i + 1]) logRewards[i] = diagonal;
        }
    }

    /// <summary>The enumeration with (1, 0) and (2, 0) swapped.</summary>
    private sealed class SwappedEnumerationGrid : WrappedGrid
    {
        public override int[]? EnumerateStates()
        {
            var states = Inner.EnumerateStates()!;
            (states[2], states[4]) = (states[4], states[2]);
            return states;
        }
    }

    /// <summary>Step throws for dimension 1.</summary>
    private sealed class ThrowingStepGrid : WrappedGrid
    {
        public override void Step(Span<int> states, ReadOnlySpan<int> actions)
        {
            foreach (int a in actions) if (a == 1) throw new InvalidOperationException("boom");
            Inner.Step(states, actions);
        }
    }

    /// <summary>A 3×3 grid whose s0 claims parents, whose top corner forbids exit, and whose encoding writes one feature
    /// too many and leaves the rest unwritten.</summary>
    private sealed class SloppyGrid : WrappedGrid
    {
        public SloppyGrid() : base(3) { }

        public override void BackwardMasks(ReadOnlySpan<int> states, Span<bool> masks)
        {
            Inner.BackwardMasks(states, masks);
            for (int i = 0; i < states.Length / 2; i++)
                if (states[2 * i] == 0 && states[2 * i + 1] == 0) masks.Slice(2 * i, 2).Fill(true);
        }

        public override void ForwardMasks(ReadOnlySpan<int> states, Span<bool> masks)
        {
            Inner.ForwardMasks(states, masks);
            for (int i = 0; i < states.Length / 2; i++)
                if (states[2 * i] == 2 && states[2 * i + 1] == 2) masks[3 * i + 2] = false;
        }

        public override void Encode(ReadOnlySpan<int> states, Span<float> features)
        {
            for (int i = 0; i < states.Length / 2; i++) features[i * 6 + states[2 * i]] = 1;
            if (features.Length > states.Length / 2 * 6) features[states.Length / 2 * 6] = 1;
        }
    }
}
