using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Rewards;

namespace GFlowNetML.Core.Tests;

/// <summary>Reward tables: the transform by hand, modes and ties, the CSV format, and every rejection with its row named.</summary>
[TestClass]
public sealed class SequenceRewardTableTests
{
    // K = 2 (alphabet "01"), L = 2; α = 3, R_min = 1e-3, max R = 10:
    //   00: y = 0.5    → y′ = 0.125     → R = 1.25
    //   01: y = 0.0005 → y′ = (1e-3)^3  → R = 1e-8
    //   10: y = 0.25   → y′ = 0.015625  → R = 0.15625
    //   11: y = 1      → y′ = 1         → R = 10
    private static readonly (string, double)[] Rows = [("00", 0.5), ("01", 0.0005), ("10", 0.25), ("11", 1.0)];

    [TestMethod]
    public void TransformAndExactLogPartitionByHand()
    {
        var table = new SequenceRewardTable(2, Rows, new SequenceTableOptions { ModeFraction = 0.25 });
        Assert.AreEqual(2, table.Length);
        Assert.AreEqual("01", table.Alphabet);
        Assert.AreEqual(1.25, table.Reward([0, 0]), 1e-12);
        Assert.AreEqual(1e-8, table.Reward([0, 1]), 1e-20);
        Assert.AreEqual(0.15625, table.Reward([1, 0]), 1e-12);
        Assert.AreEqual(10, table.Reward([1, 1]), 1e-12);
        Assert.AreEqual(0.0005, table.Score([0, 1]));
        double z = 1.25 + 1e-8 + 0.15625 + 10;
        Assert.AreEqual(Math.Log(z), table.LogPartition!.Value, 1e-12);
        var space = StateSpace.Enumerate(new SequenceEnvironment(table));
        Assert.AreEqual(Math.Log(z), space.LogPartition, 1e-12);
        Assert.AreEqual(1.0, space.TargetDistribution.Sum(), 1e-12);
        Assert.AreEqual(1, table.ModeCount);
        Assert.IsTrue(table.IsMode([1, 1]));
        Assert.IsFalse(table.IsMode([0, 0]));
        Assert.AreEqual(1.0, table.ModeScoreThreshold);
        Assert.AreEqual(1.0, table.MaxScore);
        var logR = new double[2];
        table.LogRewards([1, 1, 1, 0], logR);
        Assert.AreEqual(Math.Log(10), logR[0], 1e-12);
        Assert.AreEqual(Math.Log(0.15625), logR[1], 1e-12);

        // Other options: α = 1, R_min = 0, max R = 2: R = 2y.
        var linear = new SequenceRewardTable(2, Rows, new SequenceTableOptions { Alpha = 1, MinimumScore = 0, MaxReward = 2, ModeFraction = 0.5 });
        Assert.AreEqual(0.001, linear.Reward([0, 1]), 1e-15);
        Assert.AreEqual(2, linear.ModeCount);
        Assert.IsTrue(linear.IsMode([0, 0]));
    }

    [TestMethod]
    public void NegativeScoresAreClampedAtRMinFirstAndRefusedWhenRMinIsZero()
    {
        // α = 2, R_min = 0.1, max R = 10: y = (−3, 0, 0.05, 1) → max(y, R_min) = (0.1, 0.1, 0.1, 1) → R = (0.1, 0.1, 0.1, 10).
        (string, double)[] rows = [("00", -3.0), ("01", 0.0), ("10", 0.05), ("11", 1.0)];
        var table = new SequenceRewardTable(2, rows, new SequenceTableOptions { Alpha = 2, MinimumScore = 0.1, ModeFraction = 0.25 });
        Assert.AreEqual(0.1, table.Reward([0, 0]), 1e-15);
        Assert.AreEqual(0.1, table.Reward([0, 1]), 1e-15);
        Assert.AreEqual(0.1, table.Reward([1, 0]), 1e-15);
        Assert.AreEqual(10, table.Reward([1, 1]), 1e-12);
        Assert.AreEqual(-3.0, table.Score([0, 0]), "the raw score is kept");
        Assert.AreEqual(Math.Log(10.3), table.LogPartition!.Value, 1e-12);
        Assert.AreEqual(1, table.ModeCount);

        var e = Assert.ThrowsExactly<ArgumentException>(() => new SequenceRewardTable(2, rows, new SequenceTableOptions { Alpha = 2, MinimumScore = 0 }));
        Assert.AreEqual("row 0: the score of 00 is -3, which is negative, and R_min is 0 (MinimumScore 0), so the transform max(y, R_min)^α would raise a negative number to a power; set MinimumScore above 0 (the paper uses 1e-3) to clamp low and negative scores to R_min before the power, or remove scores ≤ 0 from the table. (Parameter 'rows')", e.Message);
        e = Assert.ThrowsExactly<ArgumentException>(() => SequenceRewardTable.FromScores(2, 2, [1.0, 2.0, -0.25, 1.0], new SequenceTableOptions { MinimumScore = 0 }));
        StringAssert.StartsWith(e.Message, "scores[2]: the score of 10 is -0.25, which is negative, and R_min is 0 (MinimumScore 0)");
    }

    [TestMethod]
    public void CsvNegativeScoresLoadWithRMinAndNameTheLineAndOptionWithout()
    {
        string path = Path.Combine(Path.GetTempPath(), $"seqa-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, "sequence,score\n00,0.5\n01,-1.5\n10,0.25\n11,1\n");
            var table = SequenceRewardTable.ReadCsv(path, 2, new SequenceTableOptions { Alpha = 1, MinimumScore = 0.5 });
            // max(y, 0.5) = (0.5, 0.5, 0.5, 1), α = 1 → R = (5, 5, 5, 10).
            Assert.AreEqual(Math.Log(25), table.LogPartition!.Value, 1e-12);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => SequenceRewardTable.ReadCsv(path, 2, new SequenceTableOptions { MinimumScore = 0 }));
            Assert.AreEqual($"line 3 of {path}: the score of 01 is -1.5, which is negative, and R_min is 0 (MinimumScore 0), so the transform max(y, R_min)^α would raise a negative number to a power; set MinimumScore above 0 (the paper uses 1e-3) to clamp low and negative scores to R_min before the power, or remove scores ≤ 0 from the table.", e.Message);
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void TiesAtTheModeCutAllCount()
    {
        var table = new SequenceRewardTable(2, [("00", 1.0), ("01", 0.5), ("10", 0.2), ("11", 1.0)], new SequenceTableOptions { ModeFraction = 0.25 });
        Assert.AreEqual(2, table.ModeCount);
        Assert.IsTrue(table.IsMode([0, 0]) && table.IsMode([1, 1]));
    }

    [TestMethod]
    public void TokenRowsDenseScoresAndTextRowsAgree()
    {
        var fromText = new SequenceRewardTable(2, Rows);
        var fromTokens = new SequenceRewardTable(2, 2, [([1, 1], 1.0), ([0, 0], 0.5), ([1, 0], 0.25), ([0, 1], 0.0005)]);
        var dense = SequenceRewardTable.FromScores(2, 2, [0.5, 0.0005, 0.25, 1.0]);
        Assert.AreEqual(fromText.Description, fromTokens.Description);
        Assert.AreEqual(fromText.Description, dense.Description);
        StringAssert.StartsWith(dense.Description, "table(tokens=2, length=2, hash=");
        Assert.IsNull(dense.Parameters, "an in-memory table cannot be recreated from parameters");
        Assert.AreEqual(fromText.LogPartition, dense.LogPartition);
        var other = SequenceRewardTable.FromScores(2, 2, [0.5, 0.0005, 0.25, 0.9]);
        Assert.AreNotEqual(fromText.Description, other.Description, "the hash tells different tables apart");
        var dna = new SequenceRewardTable(4, Enumerable.Range(0, 16).Select(i => ("ACGT"[i / 4] + "ACGT"[i % 4].ToString(), i + 1.0)));
        Assert.AreEqual(16.0, dna.Score(dna.Parse("TT")));
        Assert.AreEqual(2.0, dna.Score([0, 1]), "AC is the second sequence");
    }

    [TestMethod]
    [DataRow("01", double.NaN, "row 1: the score of 01 is NaN")]
    [DataRow("01", double.PositiveInfinity, "row 1: the score of 01 is infinite; scores must be finite numbers.")]
    [DataRow("01", double.NegativeInfinity, "row 1: the score of 01 is −∞; scores must be finite numbers.")]
    [DataRow("00", 0.3, "row 1: the sequence 00 appears a second time (first at row 0)")]
    [DataRow("0x", 0.3, "row 1: the sequence '0x' contains 'x' at position 1")]
    [DataRow("011", 0.3, "row 1: the sequence '011' has 3 characters; the table's sequences have 2")]
    public void BadTextRowsAreRejectedWithTheRowNamed(string sequence, double score, string expected)
    {
        var rows = new[] { ("00", 0.5), (sequence, score), ("10", 0.25), ("11", 1.0) };
        var e = Assert.ThrowsExactly<ArgumentException>(() => new SequenceRewardTable(2, rows));
        StringAssert.Contains(e.Message, expected);
    }

    [TestMethod]
    public void MissingSequencesZeroRewardsAndBadTokenRowsAreRejected()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => new SequenceRewardTable(2, [("00", 0.5), ("10", 0.25), ("11", 1.0)]));
        StringAssert.Contains(e.Message, "01 (and 0 more) has no row");
        StringAssert.Contains(e.Message, "3 of the 4 sequences");
        e = Assert.ThrowsExactly<ArgumentException>(() => new SequenceRewardTable(2, [("00", 0.0), ("01", 0.5), ("10", 0.25), ("11", 1.0)], new SequenceTableOptions { MinimumScore = 0 }));
        Assert.AreEqual("row 0: the score of 00 is 0 and R_min is 0 (MinimumScore 0), so its reward max(y, R_min)^α is 0; set MinimumScore above 0 (the paper uses 1e-3) to clamp low and negative scores to R_min before the power, or remove scores ≤ 0 from the table. (Parameter 'rows')", e.Message);
        Assert.AreEqual(1e-9 * 10, new SequenceRewardTable(2, [("00", 0.0), ("01", 0.5), ("10", 0.25), ("11", 1.0)]).Reward([0, 0]), 1e-20, "R_min > 0 rescues zero scores");
        e = Assert.ThrowsExactly<ArgumentException>(() => new SequenceRewardTable(2, 2, [([0, 0], 1.0), ([0, 2], 1.0)]));
        StringAssert.Contains(e.Message, "row 1: the sequence (0, 2) holds 2");
        e = Assert.ThrowsExactly<ArgumentException>(() => new SequenceRewardTable(2, 2, [([0, 0], 1.0), ([0, 1, 1], 1.0)]));
        StringAssert.Contains(e.Message, "row 1");
        Assert.ThrowsExactly<ArgumentException>(() => new SequenceRewardTable(2, Array.Empty<(string, double)>()));
        Assert.ThrowsExactly<ArgumentException>(() => SequenceRewardTable.FromScores(2, 2, [1.0, 2.0, 3.0]));
        e = Assert.ThrowsExactly<ArgumentException>(() => SequenceRewardTable.FromScores(2, 2, [1.0, 2.0, double.NaN, 1.0]));
        StringAssert.Contains(e.Message, "scores[2]: the score of 10 is NaN");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SequenceRewardTable.FromScores(4, 14, [1.0]), "4^14 is above the table limit");
    }

    [TestMethod]
    [DataRow(0.0, 1e-3, 10.0, 0.005, "Alpha")]
    [DataRow(double.NaN, 1e-3, 10.0, 0.005, "Alpha")]
    [DataRow(3.0, -1.0, 10.0, 0.005, "MinimumScore")]
    [DataRow(3.0, 1e-3, 0.0, 0.005, "MaxReward")]
    [DataRow(3.0, 1e-3, double.PositiveInfinity, 0.005, "MaxReward")]
    [DataRow(3.0, 1e-3, 10.0, 0.0, "ModeFraction")]
    [DataRow(3.0, 1e-3, 10.0, 1.5, "ModeFraction")]
    public void OptionsOutOfRangeAreRejected(double alpha, double rMin, double maxReward, double fraction, string name)
    {
        var options = new SequenceTableOptions { Alpha = alpha, MinimumScore = rMin, MaxReward = maxReward, ModeFraction = fraction };
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SequenceRewardTable(2, Rows, options));
        Assert.AreEqual(name, e.ParamName);
    }

    [TestMethod]
    public void AlphabetsAreChecked()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new SequenceRewardTable(2, Rows, new SequenceTableOptions { Alphabet = "0" }));
        Assert.ThrowsExactly<ArgumentException>(() => new SequenceRewardTable(2, Rows, new SequenceTableOptions { Alphabet = "00" }));
        Assert.ThrowsExactly<ArgumentException>(() => new SequenceRewardTable(2, Rows, new SequenceTableOptions { Alphabet = "0_" }));
        var custom = new SequenceRewardTable(2, [("ab", 1.0), ("aa", 0.5), ("ba", 0.2), ("bb", 0.1)], new SequenceTableOptions { Alphabet = "ab" });
        Assert.AreEqual("a_", custom.Format([0, -1]));
        Assert.AreEqual("(0, 5)", custom.Format([0, 5]));
        StringAssert.Contains(custom.Description, "alphabet=ab");
        Assert.AreEqual("ACGT", SequenceTableOptions.TFBind8.Alphabet ?? new SequenceRewardTable(4, Enumerable.Range(0, 4).Select(i => ("ACGT"[i].ToString(), 1.0 + i))).Alphabet);
        Assert.AreEqual(6, SequenceTableOptions.Seh.Alpha);
        Assert.AreEqual(0.001, SequenceTableOptions.Seh.ModeFraction);
        Assert.AreEqual(5, SequenceTableOptions.Qm9.Alpha);
        Assert.AreEqual(0, SequenceTableOptions.TFBind10.MinimumScore);
    }

    [TestMethod]
    public void CsvRoundTripsAndRecreatesTheEnvironment()
    {
        string path = Path.Combine(Path.GetTempPath(), $"seqa-{Guid.NewGuid():N}.csv");
        try
        {
            var table = new SequenceRewardTable(2, Rows);
            table.WriteCsv(path);
            string[] lines = File.ReadAllLines(path);
            CollectionAssert.AreEqual(new[] { "sequence,score", "00,0.5", "01,0.0005", "10,0.25", "11,1" }, lines);
            var read = SequenceRewardTable.ReadCsv(path, 2);
            Assert.AreEqual(table.LogPartition, read.LogPartition);
            Assert.AreEqual("table", read.Parameters!["reward"]);
            Assert.AreEqual(Path.GetFullPath(path), read.Parameters["path"]);
            var env = new SequenceEnvironment(read, SequenceActionModel.Append);
            var again = EnvironmentCatalog.Create("sequence", env.Parameters!);
            Assert.AreEqual(env.Description, again.Description);
        }
        catch (ArgumentException e) when (e.Message.StartsWith("Unknown environment 'sequence'", StringComparison.Ordinal))
        {
            // The catalog entry is added by the integrator; until then the factory is tested directly.
            var read = SequenceRewardTable.ReadCsv(path, 2);
            var env = new SequenceEnvironment(read, SequenceActionModel.Append);
            Assert.AreEqual(env.Description, SequenceEnvironment.FromParameters(new EnvironmentCatalog.ParameterReader("sequence", env.Parameters!)).Description);
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    [DataRow("sequence,score\n00,0.5\n01,nan\n10,0.25\n11,1\n", "line 3 of", "the score of 01 is NaN")]
    [DataRow("sequence,score\n00,0.5\n01,-Infinity\n10,0.25\n11,1\n", "line 3 of", "the score of 01 is −∞; scores must be finite numbers.")]
    [DataRow("sequence,score\n00,0.5\n01,Infinity\n10,0.25\n11,1\n", "line 3 of", "the score of 01 is infinite; scores must be finite numbers.")]
    [DataRow("sequence,score\n00,0.5\n01,0.1\n10,0.25\n\n01,1\n", "line 6 of", "01 appears a second time (first at line 3 of")]
    [DataRow("sequence,score\n00,0.5\n01,0.1\n10,0.25\n", "has no row", "11 (and 0 more)")]
    [DataRow("sequence,score\n00,0.5\n0A,0.1\n10,0.25\n11,1\n", "line 3 of", "contains 'A' at position 1")]
    [DataRow("sequence,score\n00,0.5\n010,0.1\n10,0.25\n11,1\n", "line 3 of", "has 3 characters")]
    [DataRow("sequence,score\n00,0.5\n01,abc\n10,0.25\n11,1\n", "line 3 of", "the score 'abc' of 01 is not a number")]
    [DataRow("sequence,score\n00,0.5\n01;0.1\n10,0.25\n11,1\n", "line 3 of", "expected two fields")]
    [DataRow("00,0.5\n01,0.1\n10,0.25\n11,1\n", "line 1 of", "expected a header line")]
    [DataRow("", "is empty", "header")]
    [DataRow("sequence,score\n", "has a header but no rows", "")]
    public void BadCsvFilesAreRejectedWithTheLineNamed(string content, string where, string what)
    {
        string path = Path.Combine(Path.GetTempPath(), $"seqa-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, content);
            var e = Assert.ThrowsExactly<InvalidDataException>(() => SequenceRewardTable.ReadCsv(path, 2));
            StringAssert.Contains(e.Message, where);
            StringAssert.Contains(e.Message, what);
        }
        finally { File.Delete(path); }
    }
}
