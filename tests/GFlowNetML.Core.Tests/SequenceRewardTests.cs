using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Rewards;

namespace GFlowNetML.Core.Tests;

/// <summary>Delegate rewards and the checks the <see cref="SequenceReward"/> base applies to every reward.</summary>
[TestClass]
public sealed class SequenceRewardTests
{
    [TestMethod]
    public void PerSequenceAndBatchedDelegatesAgree()
    {
        // log R = number of G (token 2) in the sequence.
        var single = SequenceReward.FromLogReward(4, 3, s => s.Count(2));
        var batched = SequenceReward.FromLogReward(4, 3, (ReadOnlySpan<int> seqs, Span<double> output) =>
        {
            for (int i = 0; i < output.Length; i++) output[i] = seqs.Slice(3 * i, 3).Count(2);
        });
        int[] batch = [2, 2, 2, 0, 1, 3, 2, 0, 2];
        var a = new double[3];
        var b = new double[3];
        single.LogRewards(batch, a);
        batched.LogRewards(batch, b);
        CollectionAssert.AreEqual(new[] { 3.0, 0.0, 2.0 }, a);
        CollectionAssert.AreEqual(a, b);
        Assert.AreEqual(3.0, single.LogReward([2, 2, 2]));
        Assert.AreEqual("delegate(tokens=4, length=3)", single.Description);
        Assert.IsNull(single.Parameters);
        Assert.AreEqual("GGA", single.Format([2, 2, 0]));
        CollectionAssert.AreEqual(new[] { 3, 0, 1 }, single.Parse("TAC"));
        // Exact evaluation over a delegate: Z = (3 + e)^3.
        var space = StateSpace.Enumerate(new SequenceEnvironment(single));
        Assert.AreEqual(3 * Math.Log(3 + Math.E), space.LogPartition, 1e-12);
    }

    [TestMethod]
    [DataRow(double.NaN)]
    [DataRow(double.PositiveInfinity)]
    public void NaNAndPlusInfinityAreRejectedWithTheSequenceNamed(double bad)
    {
        var reward = SequenceReward.FromLogReward(4, 4, s => s[0] == 3 ? bad : 0.0);
        var logR = new double[2];
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => reward.LogRewards([0, 0, 0, 0, 3, 1, 2, 0], logR));
        StringAssert.Contains(e.Message, "TCGA");
        StringAssert.Contains(e.Message, bad.ToString(System.Globalization.CultureInfo.InvariantCulture) == "NaN" ? "NaN" : "∞");
        var batched = SequenceReward.FromLogReward(4, 4, (ReadOnlySpan<int> s, Span<double> o) => o.Fill(bad));
        Assert.ThrowsExactly<InvalidOperationException>(() => batched.LogRewards([0, 0, 0, 0], logR.AsSpan(0, 1)));
    }

    [TestMethod]
    public void MinusInfinityIsAllowed()
    {
        var reward = SequenceReward.FromLogReward(2, 2, s => s[0] == 1 ? double.NegativeInfinity : 0.0);
        Assert.AreEqual(double.NegativeInfinity, reward.LogReward([1, 0]));
        Assert.AreEqual(Math.Log(2), StateSpace.Enumerate(new SequenceEnvironment(reward)).LogPartition, 1e-12);
    }

    [TestMethod]
    public void InputsAreChecked()
    {
        var reward = SequenceReward.FromLogReward(4, 3, s => 0.0);
        var logR = new double[2];
        var e = Assert.ThrowsExactly<ArgumentException>(() => reward.LogRewards([0, -1, 2], logR));
        StringAssert.Contains(e.Message, "A_G");
        Assert.ThrowsExactly<ArgumentException>(() => reward.LogRewards([0, 4, 2], logR));
        Assert.ThrowsExactly<ArgumentException>(() => reward.LogRewards([0, 1], logR), "not a whole number of sequences");
        Assert.ThrowsExactly<ArgumentException>(() => reward.LogRewards([0, 1, 2, 0, 1, 2, 0, 1, 2], logR), "output too short");
        Assert.ThrowsExactly<ArgumentException>(() => reward.IsMode([0, 1]));
        Assert.ThrowsExactly<ArgumentException>(() => reward.Parse("ACGX"));
        Assert.ThrowsExactly<ArgumentException>(() => reward.Parse("ACX"));
        Assert.ThrowsExactly<ArgumentNullException>(() => SequenceReward.FromLogReward(4, 3, (Func<ReadOnlySpan<int>, double>)null!));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SequenceReward.FromLogReward(0, 3, s => 0.0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SequenceReward.FromLogReward(4, 0, s => 0.0));
        Assert.ThrowsExactly<ArgumentException>(() => SequenceReward.FromLogReward(63, 2, s => 0.0), "no default alphabet beyond 62 tokens");
        Assert.AreEqual(63, SequenceReward.FromLogReward(63, 2, s => 0.0, new string(Enumerable.Range(0, 63).Select(i => (char)('¡' + i)).ToArray())).Tokens);
    }

    [TestMethod]
    public void ModesByPredicateOrThreshold()
    {
        var reward = SequenceReward.FromLogReward(2, 3, s => s.Count(1));
        Assert.IsFalse(reward.IsMode([1, 1, 1]), "no modes unless defined");
        var byThreshold = reward.WithModes(2.0);
        Assert.AreEqual(2.0, byThreshold.ModeLogRewardThreshold);
        Assert.IsTrue(byThreshold.IsMode([1, 1, 0]));
        Assert.IsFalse(byThreshold.IsMode([1, 0, 0]));
        var byPredicate = reward.WithModes(s => s[0] == 0);
        Assert.IsTrue(byPredicate.IsMode([0, 0, 0]));
        Assert.IsFalse(byPredicate.IsMode([1, 1, 1]));
        var env = new SequenceEnvironment(byThreshold);
        Assert.AreEqual(4, StateSpace.Enumerate(env).TerminalIsMode.Count(m => m), "011, 101, 110, 111");
        Assert.IsFalse(env.IsMode([1, 1, -1]), "a partial sequence is never a mode");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => reward.WithModes(double.NaN));
    }
}
