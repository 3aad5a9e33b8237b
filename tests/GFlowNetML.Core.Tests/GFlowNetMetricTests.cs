using GFlowNetML.Evaluation;

namespace GFlowNetML.Core.Tests;

/// <summary>The one metric vocabulary: each metric's three spellings are those the files and tables have always used, and no
/// two metrics share a spelling.</summary>
[TestClass]
public sealed class GFlowNetMetricTests
{
    [TestMethod]
    public void EachMetricHasTheSpellingsOfTheModelMetadataTheJsonFilesAndTheTables()
    {
        Assert.AreEqual("exact_tv", GFlowNetMetric.ExactTotalVariation.MetadataKey);
        Assert.AreEqual("exactTotalVariation", GFlowNetMetric.ExactTotalVariation.JsonName);
        Assert.AreEqual("exact total variation", GFlowNetMetric.ExactTotalVariation.Label);
        Assert.AreEqual("exact TV", GFlowNetMetric.ExactTotalVariation.ShortLabel);
        Assert.AreEqual("jsd", GFlowNetMetric.JensenShannon.MetadataKey);
        Assert.AreEqual("jensenShannon", GFlowNetMetric.JensenShannon.JsonName);
        Assert.AreEqual("Jensen-Shannon (nats)", GFlowNetMetric.JensenShannon.Label);
        Assert.AreEqual("JSD (nats)", GFlowNetMetric.JensenShannon.ShortLabel);
        Assert.AreEqual("log_z", GFlowNetMetric.LogZ.MetadataKey);
        Assert.AreEqual("true_log_z", GFlowNetMetric.TrueLogZ.MetadataKey);
        Assert.AreEqual("|log Z - log Z*|", GFlowNetMetric.LogZError.ShortLabel);
        Assert.AreEqual("loss", GFlowNetMetric.Loss.JsonName);
        Assert.AreEqual("evaluated_at_iteration", GFlowNetMetric.Iteration.MetadataKey);
        Assert.AreEqual("sampled_top_k_mean_reward", GFlowNetMetric.TopKMeanReward.MetadataKey);
    }

    [TestMethod]
    public void NoTwoMetricsShareASpelling()
    {
        var all = GFlowNetMetric.All;
        Assert.HasCount(22, all);
        Assert.HasCount(all.Count, all.Select(m => m.JsonName).Distinct(StringComparer.Ordinal));
        Assert.HasCount(all.Count, all.Select(m => m.Label).Distinct(StringComparer.Ordinal));
        var keys = all.Where(m => m.MetadataKey is not null).Select(m => m.MetadataKey).ToList();
        Assert.HasCount(11, keys);
        Assert.HasCount(keys.Count, keys.Distinct(StringComparer.Ordinal));
    }
}
