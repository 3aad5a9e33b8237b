using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Sampling;

namespace GFlowNetML.Core.Tests;

/// <summary>The bit-sequence environment: shape, rewards against an independent Hamming computation, masks, steps,
/// encoding, enumeration and argument checks.</summary>
[TestClass]
public sealed class BitSequenceTests
{
    [TestMethod]
    public void DefaultsAreTheTrajectoryBalancePaperTask()
    {
        var env = new BitSequence();
        Assert.AreEqual("bitseq", env.Name);
        Assert.AreEqual(120, env.Bits);
        Assert.AreEqual(4, env.WordSize);
        Assert.AreEqual(30, env.Words);
        Assert.AreEqual(60, env.CodebookSize);
        Assert.AreEqual(1.0, env.Temperature);
        Assert.AreEqual(24, env.ModeRadius);
        Assert.AreEqual(30, env.StateWidth);
        Assert.AreEqual(17, env.ActionCount);
        Assert.AreEqual(16, env.ExitAction);
        Assert.AreEqual(16, env.BackwardActionCount);
        Assert.AreEqual(480, env.EncodingWidth);
        Assert.AreEqual(31, env.MaxTrajectoryLength);
        Assert.IsNull(env.EnumerateStates());
        Assert.IsNull(env.LogPartition);
        Assert.AreEqual("bitseq(bits=120, word=4, codebook=60, temperature=1, seed=0, mode-radius=24)", env.Description);
    }

    [TestMethod]
    public void ParametersDescribeTheEnvironment()
    {
        var env = new BitSequence(12, 3, 5, 0.5, 42, 2);
        var p = env.Parameters;
        Assert.AreEqual("12", p["bits"]);
        Assert.AreEqual("3", p["word"]);
        Assert.AreEqual("5", p["codebook"]);
        Assert.AreEqual("0.5", p["temperature"]);
        Assert.AreEqual("42", p["seed"]);
        Assert.AreEqual("2", p["mode-radius"]);
        Assert.AreEqual(6, p.Count);

        var given = new BitSequence(2, ["0011", "1100"], 2.0, 1);
        Assert.AreEqual("0011,1100", given.Parameters["codes"]);
        Assert.IsFalse(given.Parameters.ContainsKey("seed"));
        Assert.AreEqual("bitseq(bits=4, word=2, codes=0011,1100, temperature=2, mode-radius=1)", given.Description);
    }

    [TestMethod]
    public void SeededCodebookIsDeterministicAndMadeOfBits()
    {
        var a = new BitSequence(120, 4, 60, seed: 7);
        var b = new BitSequence(120, 4, 60, seed: 7);
        var c = new BitSequence(120, 4, 60, seed: 8);
        CollectionAssert.AreEqual(a.Codebook.ToArray(), b.Codebook.ToArray());
        CollectionAssert.AreNotEqual(a.Codebook.ToArray(), c.Codebook.ToArray());
        Assert.AreEqual(60, a.Codebook.Count);
        foreach (string code in a.Codebook)
        {
            Assert.AreEqual(120, code.Length);
            Assert.IsTrue(code.All(ch => ch is '0' or '1'), code);
        }
        // Uniform bits: the 7200 bits hold about half ones (binomial sd = 42).
        int ones = a.Codebook.Sum(code => code.Count(ch => ch == '1'));
        Assert.IsTrue(Math.Abs(ones - 3600) < 200, $"{ones} ones");
    }

    [TestMethod]
    public void HandComputedRewardsOnAGivenCodebook()
    {
        // Codebook {00000000, 11110000}, T = 2, k = 2 (4 words of 2 bits), mode radius 1.
        var env = new BitSequence(2, ["00000000", "11110000"], 2.0, 1);
        // 00000011: d = 2 to the first code, 6 to the second → log R = −2/2 = −1.
        // 11110001: d = 5 and 1 → −0.5; 01010101: d = 4 and 4 → −2.
        int[] states = [0, 0, 0, 3, 3, 3, 0, 1, 1, 1, 1, 1];
        var logRewards = new double[3];
        env.LogReward(states, logRewards);
        Assert.AreEqual(-1.0, logRewards[0], 1e-15);
        Assert.AreEqual(-0.5, logRewards[1], 1e-15);
        Assert.AreEqual(-2.0, logRewards[2], 1e-15);
        Assert.AreEqual(2, env.MinimumDistance(states.AsSpan(0, 4)));
        Assert.IsFalse(env.IsMode(states.AsSpan(0, 4)));
        Assert.IsTrue(env.IsMode(states.AsSpan(4, 4)));
        Assert.IsFalse(env.IsMode([0, 0, 0, -1]));   // incomplete strings are never modes
        Assert.AreEqual("00000011", env.Format(states.AsSpan(0, 4)));
        Assert.AreEqual("0101____", env.Format([1, 1, -1, -1]));
    }

    [TestMethod]
    public void RewardMatchesAnIndependentHammingDistanceOnTheSeededCodebook()
    {
        var env = new BitSequence(120, 4, 60, 0.5, seed: 3);
        var codes = env.Codebook;
        var random = new GFlowNetRandom(11);
        var state = new int[30];
        var logReward = new double[1];
        for (int trial = 0; trial < 50; trial++)
        {
            for (int j = 0; j < 30; j++) state[j] = random.NextInt(16);
            string bits = env.Format(state);
            int expected = codes.Min(code => code.Zip(bits).Count(p => p.First != p.Second));
            env.LogReward(state, logReward);
            Assert.AreEqual(-expected / 0.5, logReward[0], 1e-12);
            Assert.AreEqual(expected <= 24, env.IsMode(state));
        }
        // A codebook string itself has distance 0: log R = 0 and it is a mode.
        var code0 = Enumerable.Range(0, 30).Select(j => Convert.ToInt32(codes[0].Substring(4 * j, 4), 2)).ToArray();
        env.LogReward(code0, logReward);
        Assert.AreEqual(0.0, logReward[0]);
        Assert.IsTrue(env.IsMode(code0));
    }

    [TestMethod]
    public void MasksStepsAndBackwardSteps()
    {
        var env = new BitSequence(2, ["000000"]);   // k = 2, m = 3, 4 word actions + exit
        int[] s0 = new int[3];
        env.WriteInitialState(s0);
        CollectionAssert.AreEqual(new[] { -1, -1, -1 }, s0);

        int[] batch = [-1, -1, -1, 2, 1, -1, 3, 0, 1];
        var forward = new bool[15];
        env.ForwardMasks(batch, forward);
        CollectionAssert.AreEqual(new[] { true, true, true, true, false, true, true, true, true, false, false, false, false, false, true }, forward);
        var backward = new bool[12];
        env.BackwardMasks(batch, backward);
        CollectionAssert.AreEqual(new[] { false, false, false, false, false, true, false, false, false, true, false, false }, backward);

        int[] states = [-1, -1, -1, 2, 1, -1, 3, 0, 1];
        env.Step(states, [3, 0, 4]);   // append 11, append 00, exit
        CollectionAssert.AreEqual(new[] { 3, -1, -1, 2, 1, 0, 3, 0, 1 }, states);
        env.BackwardStep(states, [3, 0, 1]);
        CollectionAssert.AreEqual(new[] { -1, -1, -1, 2, 1, -1, 3, 0, -1 }, states);

        var mapped = new int[2];
        env.ToBackwardActions(new int[6], [2, 1], mapped);
        CollectionAssert.AreEqual(new[] { 2, 1 }, mapped);
        env.ToForwardActions(new int[6], [3, 0], mapped);
        CollectionAssert.AreEqual(new[] { 3, 0 }, mapped);

        Assert.ThrowsExactly<ArgumentException>(() => env.Step(new[] { 1, 2, 3 }, new[] { 0 }));      // full: only exit
        Assert.ThrowsExactly<ArgumentException>(() => env.Step(new[] { -1, -1, -1 }, new[] { 5 }));   // out of range
        Assert.ThrowsExactly<ArgumentException>(() => env.BackwardStep(new[] { 1, 2, -1 }, new[] { 1 }));   // last word is 2
        Assert.ThrowsExactly<ArgumentException>(() => env.BackwardStep(new[] { -1, -1, -1 }, new[] { 0 })); // s0
        Assert.ThrowsExactly<ArgumentException>(() => env.LogReward(new[] { 1, 2, -1 }, new double[1]));    // incomplete
    }

    [TestMethod]
    public void EncodingIsOneHotPerWordWithBlankRowsZero()
    {
        var env = new BitSequence(2, ["000000"]);
        var features = new float[24];
        features.AsSpan().Fill(float.NaN);
        env.Encode([2, -1, -1, 0, 3, 1], features);
        float[] expected =
        [
            0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0,
        ];
        CollectionAssert.AreEqual(expected, features);
    }

    [TestMethod]
    public void EnumerationIsLayeredAndGivesTheExactPartitionFunction()
    {
        var env = new BitSequence(8, 2, 3, 0.5, seed: 5);
        Assert.AreEqual(341.0, env.StateCount);   // 1 + 4 + 16 + 64 + 256
        int[] states = env.EnumerateStates()!;
        Assert.AreEqual(341 * 4, states.Length);
        CollectionAssert.AreEqual(new[] { -1, -1, -1, -1 }, states[..4]);
        CollectionAssert.AreEqual(new[] { 0, -1, -1, -1 }, states[4..8]);
        CollectionAssert.AreEqual(new[] { 3, 3, 3, 3 }, states[^4..]);

        var space = StateSpace.Enumerate(env);
        Assert.AreEqual(256, space.Terminals.Length);
        // Independently: Z = Σ over all 256 strings of exp(−min_c d_H(x, c) / T).
        var codes = env.Codebook;
        double z = 0;
        for (int x = 0; x < 256; x++)
        {
            string bits = Convert.ToString(x, 2).PadLeft(8, '0');
            z += Math.Exp(-codes.Min(c => c.Zip(bits).Count(p => p.First != p.Second)) / 0.5);
        }
        Assert.AreEqual(Math.Log(z), space.LogPartition, 1e-12);
    }

    [TestMethod]
    public void EnumerationStopsBeyondTwoToThe24States()
    {
        Assert.AreEqual(1_118_481.0, new BitSequence(20, 4, 1).StateCount);   // Σ_{j≤5} 16^j
        Assert.IsNull(new BitSequence(24, 4, 1).EnumerateStates());          // 17,895,697 states
        Assert.IsNull(new BitSequence(120, 1, 1).EnumerateStates());
    }

    [TestMethod]
    public void InvalidArgumentsNameTheParameter()
    {
        Assert.AreEqual("word", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BitSequence(8, 0)).ParamName);
        Assert.AreEqual("word", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BitSequence(34, 17)).ParamName);
        Assert.AreEqual("bits", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BitSequence(0, 4)).ParamName);
        var notMultiple = Assert.ThrowsExactly<ArgumentException>(() => new BitSequence(10, 4));
        Assert.AreEqual("bits", notMultiple.ParamName);
        StringAssert.Contains(notMultiple.Message, "multiple of word");
        Assert.AreEqual("bits", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BitSequence(64 * 16, 16)).ParamName);   // 64·65536 features
        Assert.AreEqual("codebook", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BitSequence(8, 2, 0)).ParamName);
        Assert.AreEqual("temperature", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BitSequence(8, 2, 1, 0.0)).ParamName);
        Assert.AreEqual("temperature", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BitSequence(8, 2, 1, double.NaN)).ParamName);
        Assert.AreEqual("temperature", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BitSequence(8, 2, 1, double.PositiveInfinity)).ParamName);
        Assert.AreEqual("modeRadius", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BitSequence(8, 2, 1, 1, 0, -1)).ParamName);
        Assert.AreEqual("modeRadius", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BitSequence(8, 2, 1, 1, 0, 9)).ParamName);

        var ragged = Assert.ThrowsExactly<ArgumentException>(() => new BitSequence(2, ["0000", "000000"]));
        StringAssert.Contains(ragged.Message, "string 1");
        var letters = Assert.ThrowsExactly<ArgumentException>(() => new BitSequence(2, ["0000", "01x0"]));
        StringAssert.Contains(letters.Message, "position 2");
        Assert.AreEqual("codebook", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BitSequence(2, Array.Empty<string>())).ParamName);
        Assert.AreEqual("codebook", Assert.ThrowsExactly<ArgumentException>(() => new BitSequence(2, [""])).ParamName);
    }
}
