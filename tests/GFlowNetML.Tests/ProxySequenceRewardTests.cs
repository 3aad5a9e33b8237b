using GFlowNetML.Data;
using GFlowNetML.Environments;
using Microsoft.ML;

namespace GFlowNetML.Tests;

[TestClass]
public sealed class ProxySequenceRewardTests
{
    public sealed class ProxyIn
    {
        public string Dna { get; set; } = "";
    }

    public sealed class ProxyOut
    {
        public float Prediction { get; set; }
    }

    /// <summary>A proxy predicting (number of 'A's) + 0.5, NaN for sequences starting with "TT", −1 for "GGGG".</summary>
    private static ITransformer Proxy(MLContext ml)
    {
        var pipeline = ml.Transforms.CustomMapping<ProxyIn, ProxyOut>((i, o) =>
            o.Prediction = i.Dna.StartsWith("TT", StringComparison.Ordinal) ? float.NaN : i.Dna == "GGGG" ? -1f : i.Dna.Count(c => c == 'A') + 0.5f, null);
        return pipeline.Fit(ml.Data.LoadFromEnumerable(Array.Empty<ProxyIn>()));
    }

    private static readonly ProxyRewardOptions Options = new() { InputColumnName = "Dna", ScoreColumnName = "Prediction", Alpha = 2, Scale = 3, BatchSize = 3 };

    [TestMethod]
    public void LogRewardIsAlphaLogPredictionPlusLogScale()
    {
        var ml = new MLContext(0);
        var reward = new ProxySequenceReward(ml, Proxy(ml), 4, 4, Options);
        Assert.AreEqual(2 * Math.Log(4.5) + Math.Log(3), reward.LogReward(reward.Parse("AAAA")), 1e-6);
        Assert.AreEqual(2 * Math.Log(1.5) + Math.Log(3), reward.LogReward(reward.Parse("CACG")), 1e-6);
        Assert.AreEqual(2 * Math.Log(1e-3) + Math.Log(3), reward.LogReward(reward.Parse("GGGG")), 1e-9); // floored at y_min
        Assert.AreEqual(4.5f, reward.Prediction(reward.Parse("AAAA")));
    }

    [TestMethod]
    public void BatchesAreScoredOncePerDistinctSequence()
    {
        var ml = new MLContext(0);
        var reward = new ProxySequenceReward(ml, Proxy(ml), 4, 4, Options);
        string[] texts = ["AAAA", "ACGT", "AAAA", "CCCC", "GACA", "ACGT", "CAGA"];
        var batch = texts.SelectMany(reward.Parse).ToArray();
        var logRewards = new double[texts.Length];
        reward.LogRewards(batch, logRewards);
        Assert.AreEqual(5, reward.ProxyEvaluations);
        Assert.AreEqual(5, reward.CachedCount);
        for (int i = 0; i < texts.Length; i++)
            Assert.AreEqual(2 * Math.Log(texts[i].Count(c => c == 'A') + 0.5) + Math.Log(3), logRewards[i], 1e-6, texts[i]);
        reward.LogRewards(batch, logRewards);
        Assert.AreEqual(5, reward.ProxyEvaluations, "the second pass reads the cache");
    }

    [TestMethod]
    public void NaNPredictionsAreRejectedNamingTheSequence()
    {
        var ml = new MLContext(0);
        var reward = new ProxySequenceReward(ml, Proxy(ml), 4, 4, Options);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => reward.LogReward(reward.Parse("TTAC")));
        StringAssert.Contains(e.Message, "TTAC");
        StringAssert.Contains(e.Message, "NaN");
    }

    [TestMethod]
    public void ASequenceEnvironmentUsesTheProxyAsItsReward()
    {
        var ml = new MLContext(0);
        var env = new SequenceEnvironment(new ProxySequenceReward(ml, Proxy(ml), 4, 3, Options with { Alpha = 1, Scale = 1 }));
        var states = new[] { 0, 0, 0, 1, 2, 3 };
        var logRewards = new double[2];
        env.LogReward(states, logRewards);
        Assert.AreEqual(Math.Log(3.5), logRewards[0], 1e-6);
        Assert.AreEqual(Math.Log(0.5), logRewards[1], 1e-6);
        Assert.IsNull(env.Parameters);
    }

    [TestMethod]
    public void AProxyWithoutTheScoreColumnOrWithBadOptionsIsRejected()
    {
        var ml = new MLContext(0);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ProxySequenceReward(ml, Proxy(ml), 4, 4, Options with { ScoreColumnName = "Score" }));
        StringAssert.StartsWith(e.Message, "Could not find score column 'Score'");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ProxySequenceReward(ml, Proxy(ml), 4, 4, Options with { ScoreColumnName = "Dna" }));
        StringAssert.StartsWith(e.Message, "Schema mismatch for score column 'Dna': expected Single, got String");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ProxySequenceReward(ml, Proxy(ml), 4, 4, Options with { MinimumPrediction = 0 }));
        Assert.AreEqual("MinimumPrediction", e.ParamName);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ProxySequenceReward(ml, Proxy(ml), 4, 4, Options with { Alpha = double.NaN }));
        Assert.AreEqual("Alpha", e.ParamName);
    }
}
