using GFlowNetML.Data;
using GFlowNetML.Rewards;
using Microsoft.ML;

namespace GFlowNetML.Tests;

[TestClass]
public sealed class SequenceRewardTablesTests
{
    private sealed class FloatRow
    {
        public string Sequence { get; set; } = "";
        public float Score { get; set; }
    }

    private sealed class DoubleRow
    {
        public string Seq { get; set; } = "";
        public double Measured { get; set; }
    }

    private sealed class TextScoreRow
    {
        public string Sequence { get; set; } = "";
        public string Score { get; set; } = "";
    }

    private static readonly SyntheticBindingLandscape Landscape = new(tokens: 4, length: 4, motifs: 2, seed: 3);

    private static List<(string Text, double Score)> Rows()
    {
        var table = Landscape.ToTable();
        var scores = Landscape.Scores();
        var rows = new List<(string, double)>();
        var x = new int[4];
        for (int i = 0; i < scores.Length; i++)
        {
            for (int p = 3, v = i; p >= 0; p--, v /= 4) x[p] = v % 4;
            rows.Add((table.Format(x), scores[i]));
        }
        return rows;
    }

    [TestMethod]
    public void SingleScoresGiveTheSameTableAsTheRowsInMemory()
    {
        var ml = new MLContext(0);
        var rows = Rows();
        var view = ml.Data.LoadFromEnumerable(rows.Select(r => new FloatRow { Sequence = r.Text, Score = (float)r.Score }));
        var fromView = SequenceRewardTables.FromDataView(view, 4);
        var expected = new SequenceRewardTable(4, rows.Select(r => (r.Text, (double)(float)r.Score)));
        Assert.AreEqual(256, rows.Count);
        Assert.AreEqual(expected.LogPartition!.Value, fromView.LogPartition!.Value, 1e-12);
        Assert.AreEqual(expected.ModeCount, fromView.ModeCount);
        foreach (string s in new[] { "AAAA", "ACGT", "TTTT", "GATC" })
            Assert.AreEqual(expected.LogReward(expected.Parse(s)), fromView.LogReward(fromView.Parse(s)), 1e-12, s);
    }

    [TestMethod]
    public void DoubleScoresWithCustomNamesAndOptionsMatchTheLandscapeTable()
    {
        var ml = new MLContext(0);
        var options = new SequenceTableOptions { Alpha = 2, ModeFraction = 0.05 };
        var view = ml.Data.LoadFromEnumerable(Rows().Select(r => new DoubleRow { Seq = r.Text, Measured = r.Score }));
        var fromView = SequenceRewardTables.FromDataView(view, 4, "Seq", "Measured", options);
        var expected = Landscape.ToTable(options);
        Assert.AreEqual(expected.LogPartition!.Value, fromView.LogPartition!.Value, 1e-12);
        Assert.AreEqual(13, fromView.ModeCount); // ⌈0.05 · 256⌉
        Assert.AreEqual(expected.LogReward(expected.Parse("CAGT")), fromView.LogReward(fromView.Parse("CAGT")), 1e-12);
    }

    [TestMethod]
    public void AMissingColumnIsReportedInMLNetWording()
    {
        var ml = new MLContext(0);
        var view = ml.Data.LoadFromEnumerable(Rows().Select(r => new FloatRow { Sequence = r.Text, Score = (float)r.Score }));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SequenceRewardTables.FromDataView(view, 4, sequenceColumnName: "Dna"));
        StringAssert.StartsWith(e.Message, "Could not find sequence column 'Dna'");
        Assert.AreEqual("data", e.ParamName);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SequenceRewardTables.FromDataView(view, 4, scoreColumnName: "Label"));
        StringAssert.StartsWith(e.Message, "Could not find score column 'Label'");
    }

    [TestMethod]
    public void AWrongColumnTypeIsReportedInMLNetWording()
    {
        var ml = new MLContext(0);
        var view = ml.Data.LoadFromEnumerable(Rows().Select(r => new TextScoreRow { Sequence = r.Text, Score = "1" }));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SequenceRewardTables.FromDataView(view, 4));
        StringAssert.StartsWith(e.Message, "Schema mismatch for score column 'Score': expected Single or Double, got String");
        var numeric = ml.Data.LoadFromEnumerable(Rows().Select(r => new FloatRow { Sequence = r.Text, Score = 1 }));
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SequenceRewardTables.FromDataView(numeric, 4, sequenceColumnName: "Score"));
        StringAssert.StartsWith(e.Message, "Schema mismatch for sequence column 'Score': expected String, got Single");
    }

    [TestMethod]
    public void BadRowsAreRejectedNamingTheRow()
    {
        var ml = new MLContext(0);
        var rows = Rows().Select(r => new FloatRow { Sequence = r.Text, Score = (float)r.Score }).ToList();
        rows[5].Score = float.NaN;
        var e = Assert.ThrowsExactly<ArgumentException>(() => SequenceRewardTables.FromDataView(ml.Data.LoadFromEnumerable(rows), 4));
        StringAssert.Contains(e.Message, "row 5");
        StringAssert.Contains(e.Message, rows[5].Sequence);
        StringAssert.Contains(e.Message, "NaN");

        rows[5].Score = 0.5f;
        rows[7].Score = -1;
        var clamped = SequenceRewardTables.FromDataView(ml.Data.LoadFromEnumerable(rows), 4);
        Assert.AreEqual(-1.0, clamped.Score(clamped.Parse(rows[7].Sequence)), "R_min > 0 (the default 1e-3) accepts a negative score");
        e = Assert.ThrowsExactly<ArgumentException>(() => SequenceRewardTables.FromDataView(ml.Data.LoadFromEnumerable(rows), 4, options: new SequenceTableOptions { MinimumScore = 0 }));
        StringAssert.StartsWith(e.Message, $"row 7: the score of {rows[7].Sequence} is -1, which is negative, and R_min is 0 (MinimumScore 0)");

        rows[7].Score = 0.5f;
        rows[9].Sequence = "ACGX";
        e = Assert.ThrowsExactly<ArgumentException>(() => SequenceRewardTables.FromDataView(ml.Data.LoadFromEnumerable(rows), 4));
        StringAssert.Contains(e.Message, "row 9");
        StringAssert.Contains(e.Message, "'X'");

        rows[9].Sequence = rows[8].Sequence;
        e = Assert.ThrowsExactly<ArgumentException>(() => SequenceRewardTables.FromDataView(ml.Data.LoadFromEnumerable(rows), 4));
        StringAssert.Contains(e.Message, "row 9");
        StringAssert.Contains(e.Message, "second time");
    }
}
