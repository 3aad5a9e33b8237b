using System.Text.Json.Nodes;
using GFlowNetML.Evaluation;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Torch.Tests;

/// <summary>The one JSON form of an evaluation record: its field names, exact round trips (the checkpoint), non-finite
/// numbers as null (the files), and the message of a missing field.</summary>
[TestClass]
public sealed class EvaluationRecordJsonTests
{
    private static readonly EvaluationRecord Sampled = new(12, 96, double.NaN, double.NaN, 1.25, double.NaN, 3, 0.5,
        new SampledMetrics(64, 60, double.NegativeInfinity, 0.125, 2.5, 10, 10, 1.75, 4, 3.3), double.PositiveInfinity, 0.1 + 0.2);

    [TestMethod]
    public void AnExactRecordReadsBackBitForBitWithItsNonFiniteNumbersAsNamedLiterals()
    {
        var o = EvaluationRecordJson.Write(Sampled, exact: true);
        Assert.AreEqual("""{"iteration":12,"trajectories":96,"exactTotalVariation":"NaN","jensenShannon":"NaN","logZ":1.25,"trueLogZ":"NaN","modesFound":3,"seconds":0.5,"loss":"Infinity","criticLoss":0.30000000000000004,"sampled":{"samples":64,"unique":60,"meanLogReward":"-Infinity","meanReward":0.125,"maxReward":2.5,"topK":10,"topKCount":10,"topKMeanReward":1.75,"uniqueModes":4,"diversity":3.3}}""",
            o.ToJsonString());
        Assert.AreEqual(Sampled, EvaluationRecordJson.Read(JsonNode.Parse(o.ToJsonString())!.AsObject(), "History"));
    }

    [TestMethod]
    public void AFileRecordWritesNonFiniteNumbersAsNullAndReadsThemAsNaN()
    {
        var o = EvaluationRecordJson.Write(Sampled);
        Assert.IsNull(o["loss"]);
        Assert.IsNull(o["sampled"]!["meanLogReward"]);
        var back = EvaluationRecordJson.Read(o, "final");
        Assert.AreEqual(Sampled with { MeanLoss = double.NaN, Sampled = Sampled.Sampled! with { MeanLogReward = double.NaN } }, back);
    }

    [TestMethod]
    public void AMissingOrMistypedFieldIsNamedWithItsPlace()
    {
        var o = EvaluationRecordJson.Write(Sampled);
        o.Remove("logZ");
        Assert.AreEqual("history[3]: 'logZ' is missing", Assert.ThrowsExactly<InvalidDataException>(() => EvaluationRecordJson.Read(o, "history[3]")).Message);
        o["logZ"] = "high";
        Assert.AreEqual("'history[3].logZ' is not a number or null", Assert.ThrowsExactly<InvalidDataException>(() => EvaluationRecordJson.Read(o, "history[3]")).Message);
        o["logZ"] = 1.0;
        o["modesFound"] = -1;
        Assert.AreEqual("'history[3].modesFound' is -1, not an integer in 0..2147483647", Assert.ThrowsExactly<InvalidDataException>(() => EvaluationRecordJson.Read(o, "history[3]")).Message);
        o["modesFound"] = 3;
        o.Remove("trueLogZ");
        o.Remove("seconds");
        var defaulted = EvaluationRecordJson.Read(o, "history[3]", trueLogZ: 0.75, seconds: 9);
        Assert.AreEqual(0.75, defaulted.TrueLogZ);
        Assert.AreEqual(9.0, defaulted.Seconds);
    }
}
