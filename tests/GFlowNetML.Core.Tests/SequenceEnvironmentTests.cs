using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Rewards;

namespace GFlowNetML.Core.Tests;

/// <summary>The sequence environment: shapes, enumeration per action model, masks, steps, encoding, exact evaluation,
/// parameters and argument checks.</summary>
[TestClass]
public sealed class SequenceEnvironmentTests
{
    /// <summary>log R = Σ_i (i + 1)·x_i / 10 (distinct, easy to compute by hand).</summary>
    private static DelegateSequenceReward Linear(int tokens, int length)
        => SequenceReward.FromLogReward(tokens, length, s => { double v = 0; for (int i = 0; i < s.Length; i++) v += (i + 1) * s[i] / 10.0; return v; });

    private static SequenceEnvironment Env(int tokens, int length, SequenceActionModel model) => new(Linear(tokens, length), model);

    [TestMethod]
    [DataRow(3, 3, SequenceActionModel.WriteAnyBlank, 64, 10, 3, 9)]          // (K+1)^L = 64
    [DataRow(2, 4, SequenceActionModel.WriteAnyBlank, 81, 9, 4, 8)]
    [DataRow(3, 3, SequenceActionModel.Append, 40, 4, 1, 9)]                   // 1 + 3 + 9 + 27
    [DataRow(2, 4, SequenceActionModel.Append, 31, 3, 1, 8)]                    // 1 + 2 + 4 + 8 + 16
    [DataRow(3, 3, SequenceActionModel.PrependOrAppend, 40, 7, 2, 9)]
    [DataRow(2, 4, SequenceActionModel.PrependOrAppend, 31, 5, 2, 8)]
    public void EnumerationHasTheStateCountAndExactlyTheKToTheLSequencesAsTerminals(int k, int l, SequenceActionModel model, int states, int actions, int backward, int encoding)
    {
        var env = Env(k, l, model);
        Assert.AreEqual(actions, env.ActionCount);
        Assert.AreEqual(backward, env.BackwardActionCount);
        Assert.AreEqual(encoding, env.EncodingWidth);
        Assert.AreEqual(l, env.StateWidth);
        Assert.AreEqual(l + 1, env.MaxTrajectoryLength);
        Assert.AreEqual(states, env.StateCount);
        var space = StateSpace.Enumerate(env);   // checks s0 first, no duplicates, every child enumerated, topological order
        Assert.AreEqual(states, space.Count);
        int terminals = (int)Math.Pow(k, l);
        Assert.AreEqual(terminals, space.Terminals.Length);
        var seen = new HashSet<string>();
        foreach (int t in space.Terminals)
        {
            var x = space.State(t);
            foreach (int token in x) Assert.IsTrue(token >= 0 && token < k, env.Format(x));
            Assert.IsTrue(seen.Add(env.Format(x)));
        }
        // Ordered by the number of filled positions.
        int previous = 0;
        for (int i = 0; i < space.Count; i++)
        {
            int filled = space.State(i).ToArray().Count(v => v >= 0);
            Assert.IsGreaterThanOrEqualTo(previous, filled);
            previous = filled;
        }
        // Parents: k filled positions have k parents (write-any-blank), 1 (append), 2 (prepend-or-append); s0 none.
        for (int i = 0; i < space.Count; i++)
        {
            int filled = space.State(i).ToArray().Count(v => v >= 0);
            int expected = filled == 0 ? 0 : model switch { SequenceActionModel.WriteAnyBlank => filled, SequenceActionModel.Append => 1, _ => 2 };
            Assert.AreEqual(expected, space.ParentCount[i], env.Format(space.State(i)));
        }
    }

    [TestMethod]
    [DataRow(SequenceActionModel.WriteAnyBlank)]
    [DataRow(SequenceActionModel.Append)]
    [DataRow(SequenceActionModel.PrependOrAppend)]
    public void ExactLogPartitionAndTargetDistributionMatchTheHandValue(SequenceActionModel model)
    {
        // Z = Π_i Σ_{x_i} exp((i+1) x_i / 10) for K = 3, L = 3.
        var env = Env(3, 3, model);
        double z = 1;
        for (int i = 0; i < 3; i++) z *= 1 + Math.Exp((i + 1) / 10.0) + Math.Exp(2 * (i + 1) / 10.0);
        var space = StateSpace.Enumerate(env);
        Assert.AreEqual(Math.Log(z), space.LogPartition, 1e-12);
        Assert.AreEqual(1.0, space.TargetDistribution.Sum(), 1e-12);
        int best = space.IndexOf([2, 2, 2]);
        Assert.AreEqual(Math.Exp(1.2) / z, space.TargetDistribution[space.TerminalPosition[best]], 1e-12);
        Assert.IsNull(env.LogPartition, "a delegate does not know its log Z");
        // The exact flows of a uniform P_B sample R/Z (the DP handles the prepend-or-append multigraph per edge).
        var flows = ExactFlows.LogFlows(space);
        Assert.AreEqual(Math.Log(z), flows[0], 1e-10);
        var dist = TerminatingDistribution.Compute(space, ExactFlows.OptimalForwardLogProbabilities(space, flows));
        for (int t = 0; t < dist.Length; t++) Assert.AreEqual(space.TargetDistribution[t], dist[t], 1e-10);
    }

    [TestMethod]
    public void WriteAnyBlankMasksStepsAndBackwardSteps()
    {
        var env = Env(3, 4, SequenceActionModel.WriteAnyBlank);
        var state = new int[4];
        env.WriteInitialState(state);
        CollectionAssert.AreEqual(new[] { -1, -1, -1, -1 }, state);
        Assert.AreEqual("____", env.Format(state));
        // Action a writes token a / 4 at position a mod 4: 9 = token 2 at position 1.
        env.Step(state, [9]);
        CollectionAssert.AreEqual(new[] { -1, 2, -1, -1 }, state);
        Assert.AreEqual("_2__", env.Format(state));
        var masks = new bool[13];
        env.ForwardMasks(state, masks);
        for (int a = 0; a < 12; a++) Assert.AreEqual(a % 4 != 1, masks[a], $"action {a}");
        Assert.IsFalse(masks[12], "no exit before the sequence is full");
        var back = new bool[4];
        env.BackwardMasks(state, back);
        CollectionAssert.AreEqual(new[] { false, true, false, false }, back);
        var e = Assert.ThrowsExactly<ArgumentException>(() => env.Step(state, [5]));   // position 1 is filled
        StringAssert.Contains(e.Message, "_2__");
        Assert.ThrowsExactly<ArgumentException>(() => env.Step(state, [12]));          // exit before full
        Assert.ThrowsExactly<ArgumentException>(() => env.Step(state, [13]));
        Assert.ThrowsExactly<ArgumentException>(() => env.Step(state, [-1]));
        Assert.ThrowsExactly<ArgumentException>(() => env.BackwardStep(state, [0]));   // position 0 is blank
        env.Step(state, [0]); env.Step(state, [2 * 4 + 2]); env.Step(state, [1 * 4 + 3]);
        CollectionAssert.AreEqual(new[] { 0, 2, 2, 1 }, state);
        env.ForwardMasks(state, masks);
        Assert.AreEqual(1, masks.Count(m => m));
        Assert.IsTrue(masks[12]);
        env.Step(state, [12]);                                                          // exit leaves the state
        CollectionAssert.AreEqual(new[] { 0, 2, 2, 1 }, state);
        env.BackwardStep(state, [2]);
        CollectionAssert.AreEqual(new[] { 0, 2, -1, 1 }, state);
        var forward = new int[1];
        env.ToForwardActions(new[] { 0, 2, 2, 1 }, [2], forward);
        Assert.AreEqual(2 * 4 + 2, forward[0]);
        var backward = new int[1];
        env.ToBackwardActions(state, [2 * 4 + 2], backward);
        Assert.AreEqual(2, backward[0]);
    }

    [TestMethod]
    public void AppendAndPrependStepsKeepTheTokensLeftAligned()
    {
        var append = Env(3, 3, SequenceActionModel.Append);
        int[] s = [-1, -1, -1];
        append.Step(s, [2]); append.Step(s, [0]);
        CollectionAssert.AreEqual(new[] { 2, 0, -1 }, s);
        append.BackwardStep(s, [0]);
        CollectionAssert.AreEqual(new[] { 2, -1, -1 }, s);

        var both = Env(3, 3, SequenceActionModel.PrependOrAppend);
        int[] t = [-1, -1, -1];
        both.Step(t, [1]);            // append 1      → 1
        both.Step(t, [3 + 2]);        // prepend 2     → 2 1
        both.Step(t, [0]);            // append 0      → 2 1 0
        CollectionAssert.AreEqual(new[] { 2, 1, 0 }, t);
        var masks = new bool[7];
        both.ForwardMasks(t, masks);
        CollectionAssert.AreEqual(new[] { false, false, false, false, false, false, true }, masks);
        var back = new int[1];
        both.ToForwardActions(t, [0], back);
        Assert.AreEqual(3 + 2, back[0], "removing the first token undoes prepending it");
        both.ToForwardActions(t, [1], back);
        Assert.AreEqual(0, back[0], "removing the last token undoes appending it");
        both.BackwardStep(t, [0]);    // remove first  → 1 0
        CollectionAssert.AreEqual(new[] { 1, 0, -1 }, t);
        both.BackwardStep(t, [1]);    // remove last   → 1
        CollectionAssert.AreEqual(new[] { 1, -1, -1 }, t);
        both.ToBackwardActions(new[] { 1, -1, -1 }, [3 + 1], back);
        Assert.AreEqual(0, back[0]);
        both.ToBackwardActions(new[] { 1, -1, -1 }, [1], back);
        Assert.AreEqual(1, back[0]);
        // A one-token state has two backward edges to s0.
        var bm = new bool[2];
        both.BackwardMasks(new[] { 1, -1, -1 }, bm);
        CollectionAssert.AreEqual(new[] { true, true }, bm);
        Assert.ThrowsExactly<ArgumentException>(() => both.BackwardStep(new[] { -1, -1, -1 }, [0]));
        Assert.ThrowsExactly<ArgumentException>(() => both.ToBackwardActions(new[] { 1, -1, -1 }, [6], back), "exit is not a move");
    }

    [TestMethod]
    [DataRow(SequenceActionModel.WriteAnyBlank)]
    [DataRow(SequenceActionModel.Append)]
    [DataRow(SequenceActionModel.PrependOrAppend)]
    public void EveryMoveIsUndoneByItsBackwardActionAndBatchesMatchSingleRows(SequenceActionModel model)
    {
        var env = Env(2, 4, model);
        var space = StateSpace.Enumerate(env);
        int a = env.ActionCount, l = env.StateWidth;
        var rows = new List<int>(); var parents = new List<int>(); var actions = new List<int>();
        for (int s = 0; s < space.Count; s++)
            for (int action = 0; action < a - 1; action++)
                if (space.ForwardMask[s * a + action]) { parents.AddRange(space.State(s).ToArray()); actions.Add(action); rows.Add(s); }
        int n = actions.Count;
        var children = parents.ToArray();
        env.Step(children, actions.ToArray());
        var backward = new int[n];
        env.ToBackwardActions(parents.ToArray(), actions.ToArray(), backward);
        var backMasks = new bool[n * env.BackwardActionCount];
        env.BackwardMasks(children, backMasks);
        var forwardAgain = new int[n];
        env.ToForwardActions(children, backward, forwardAgain);
        CollectionAssert.AreEqual(actions, forwardAgain);
        var restored = (int[])children.Clone();
        env.BackwardStep(restored, backward);
        CollectionAssert.AreEqual(parents, restored);
        for (int i = 0; i < n; i++)
        {
            Assert.IsTrue(backMasks[i * env.BackwardActionCount + backward[i]]);
            var single = parents.Skip(i * l).Take(l).ToArray();
            env.Step(single, [actions[i]]);
            CollectionAssert.AreEqual(children.AsSpan(i * l, l).ToArray(), single);
        }
    }

    [TestMethod]
    public void EncodingIsKHotWithBlankRowsAllZero()
    {
        var env = Env(3, 3, SequenceActionModel.WriteAnyBlank);
        var features = new float[18];
        features.AsSpan().Fill(7f);
        env.Encode([2, -1, 0, -1, -1, -1], features);
        CollectionAssert.AreEqual(new float[] { 0, 0, 1, 0, 0, 0, 1, 0, 0 }, features[..9]);
        CollectionAssert.AreEqual(new float[9], features[9..]);
    }

    [TestMethod]
    public void LogRewardModesAndFormatGoThroughTheReward()
    {
        var table = new SyntheticBindingLandscape(tokens: 2, length: 4, motifs: 2, seed: 5).ToTable(new SequenceTableOptions { ModeFraction = 0.125 });
        var env = new SequenceEnvironment(table);
        Assert.AreEqual(table.LogPartition, env.LogPartition);
        Assert.AreEqual("01_1", env.Format([0, 1, -1, 1]));
        Assert.IsFalse(env.IsMode([0, 1, -1, 1]));
        var logR = new double[16];
        int[] all = StateSpace.Enumerate(env).Terminals.SelectMany(t => StateSpace.Enumerate(env).State(t).ToArray()).ToArray();
        env.LogReward(all, logR);
        Assert.AreEqual(Math.Log(10), logR.Max(), 1e-12);
        Assert.AreEqual(2, Enumerable.Range(0, 16).Count(i => env.IsMode(all.AsSpan(4 * i, 4))));
        var e = Assert.ThrowsExactly<ArgumentException>(() => env.LogReward([0, 1, -1, 1], new double[1]));
        StringAssert.Contains(e.Message, "01_1");
    }

    [TestMethod]
    public void DescriptionParametersAndCatalogFactoryRoundTrip()
    {
        var env = new SequenceEnvironment(new SyntheticBindingLandscape(4, 5, 3, 7).ToTable(), SequenceActionModel.PrependOrAppend);
        Assert.AreEqual("sequence(tokens=4, length=5, action-model=prepend-or-append, reward=synthetic(tokens=4, length=5, motifs=3, seed=7, alpha=3, r-min=0.001, max-reward=10, mode-fraction=0.005))", env.Description);
        var p = env.Parameters!;
        Assert.AreEqual("synthetic", p["reward"]);
        Assert.AreEqual("prepend-or-append", p["action-model"]);
        Assert.AreEqual("7", p["seed"]);
        Assert.AreEqual("3", p["motifs"]);
        var again = SequenceEnvironment.FromParameters(new EnvironmentCatalog.ParameterReader("sequence", p));
        Assert.AreEqual(env.Description, again.Description);

        // No parameters at all: the paper's default task (synthetic K = 4, L = 8, write-any-blank).
        var defaults = SequenceEnvironment.FromParameters(new EnvironmentCatalog.ParameterReader("sequence", new Dictionary<string, string>()));
        Assert.AreEqual(33, defaults.ActionCount);
        Assert.AreEqual(SequenceActionModel.WriteAnyBlank, defaults.ActionModel);
        Assert.AreEqual(328, ((SequenceRewardTable)defaults.Reward).ModeCount);

        Assert.IsNull(Env(2, 2, SequenceActionModel.Append).Parameters, "a delegate reward cannot be recreated");
        Assert.ThrowsExactly<ArgumentException>(() => SequenceEnvironment.FromParameters(new EnvironmentCatalog.ParameterReader("sequence", new Dictionary<string, string> { ["reward"] = "oracle" })));
        Assert.ThrowsExactly<ArgumentException>(() => SequenceEnvironment.FromParameters(new EnvironmentCatalog.ParameterReader("sequence", new Dictionary<string, string> { ["tokens"] = "four" })));
        Assert.ThrowsExactly<ArgumentException>(() => SequenceEnvironment.FromParameters(new EnvironmentCatalog.ParameterReader("sequence", new Dictionary<string, string> { ["reward"] = "table" })), "a table needs a path");
    }

    [TestMethod]
    public void ActionModelNamesParse()
    {
        foreach (var model in Enum.GetValues<SequenceActionModel>())
        {
            Assert.AreEqual(model, SequenceEnvironment.ParseActionModel(SequenceEnvironment.ActionModelName(model)));
            Assert.AreEqual(model, SequenceEnvironment.ParseActionModel(model.ToString().ToUpperInvariant()));
        }
        Assert.ThrowsExactly<ArgumentException>(() => SequenceEnvironment.ParseActionModel("left-to-right"));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SequenceEnvironment(Linear(2, 2), (SequenceActionModel)7));
        Assert.ThrowsExactly<ArgumentNullException>(() => new SequenceEnvironment(null!));
    }

    [TestMethod]
    public void LargeSpacesAreNotEnumerated()
    {
        Assert.IsNull(Env(4, 11, SequenceActionModel.WriteAnyBlank).EnumerateStates(), "5^11 ≈ 4.9e7 states");
        Assert.IsNull(Env(4, 13, SequenceActionModel.Append).EnumerateStates(), "Σ_m 4^m ≈ 8.9e7 states");
        Assert.AreEqual(5461 * 6, Env(4, 6, SequenceActionModel.PrependOrAppend).EnumerateStates()!.Length, "Σ_m 4^m = 5461 states");
        Assert.AreEqual(Math.Pow(5, 11), Env(4, 11, SequenceActionModel.WriteAnyBlank).StateCount);
    }

    [TestMethod]
    public void DefaultGuideIsTheSequenceGuide()
    {
        var env = Env(2, 3, SequenceActionModel.WriteAnyBlank);
        Assert.IsInstanceOfType<Guides.SequenceGuide>(env.DefaultGuide);
    }
}
