using System.IO.Compression;
using System.Security.Cryptography;
using GFlowNetML.Environments;
using GFlowNetML.Rewards;

namespace GFlowNetML.Core.Tests;

/// <summary>The shipped QM9 oracle table: the file is the one its provenance note names, and the loader reproduces the
/// paper's task (log Z*, 805 modes, negative scores clamped at R_min, 56 actions and 248,832 states).</summary>
[TestClass]
public sealed class Qm9TableTests
{
    private static readonly Lazy<SequenceRewardTable> Table = new(() => SequenceRewardTable.LoadQm9());

    [TestMethod]
    public void TheEmbeddedFileIsTheProvenanceNotesTable()
    {
        using var stream = typeof(SequenceRewardTable).Assembly.GetManifestResourceStream(SequenceRewardTable.Qm9Resource)!;
        using var gzip = new GZipStream(stream, CompressionMode.Decompress);
        using var bytes = new MemoryStream();
        gzip.CopyTo(bytes);
        Assert.AreEqual(3_878_604, bytes.Length);
        Assert.AreEqual("3251bf8977a0df22db2998c0ef8164c324ce32a49b07120cfff6036eac1d6bdc", Convert.ToHexStringLower(SHA256.HashData(bytes.ToArray())));
    }

    [TestMethod]
    public void TheLoaderReproducesThePapersQm9Task()
    {
        var table = Table.Value;
        Assert.AreEqual(161_051, table.Count);
        Assert.AreEqual(11, table.Tokens);
        Assert.AreEqual(5, table.Length);
        Assert.AreEqual("0123456789a", table.Alphabet);
        Assert.AreEqual(9.6241168816014, table.LogPartition!.Value, 1e-12);
        Assert.AreEqual(805, table.ModeCount, "int(0.005 · 161,051)");
        Assert.AreEqual(17.374774932861328, table.MaxScore);
        Assert.AreEqual(9.130294799804688, table.ModeScoreThreshold, "the 805th score");
        Assert.AreEqual(0.400708, table.Reward(table.Parse("91133")), 5e-7, "the 805th sequence's R");
        Assert.IsTrue(table.IsMode(table.Parse("91133")));
        Assert.IsFalse(table.IsMode(table.Parse("19110")), "the 806th is not a mode (9.130025863647461)");
        Assert.AreEqual(9.130025863647461, table.Score(table.Parse("19110")));

        int negative = 0, belowRMin = 0;
        var sequence = new int[5];
        double minimum = double.PositiveInfinity;
        for (int i = 0; i < table.Count; i++)
        {
            for (int k = 4, j = i; k >= 0; k--, j /= 11) sequence[k] = j % 11;
            double y = table.Score(sequence);
            minimum = Math.Min(minimum, y);
            if (y < 0) negative++;
            if (y < 1e-3) belowRMin++;
        }
        Assert.AreEqual(607, negative);
        Assert.AreEqual(609, belowRMin);
        Assert.AreEqual(-2.771496057510376, minimum);

        // The issue's line 5891: 04474 scores −0.0838…; clamped first, its reward is R_min's: 10 · (1e-3 / max y)^5.
        var x = table.Parse("04474");
        Assert.AreEqual(-0.08382207900285721, table.Score(x));
        Assert.AreEqual(10 * Math.Pow(1e-3 / 17.374774932861328, 5), table.Reward(x), 1e-25);
    }

    [TestMethod]
    public void SequencesShowTheirBlocksSmiles()
    {
        var table = Table.Value;
        CollectionAssert.AreEqual(new[] { "C", "O", "N", "C-F", "C=O", "C=C", "C#C", "c1ccccc1", "C1CCCCC1", "C1CCNC1", "CCC" }, table.TokenNames!.ToArray());
        Assert.AreEqual("C C=O C=O c1ccccc1 C=O", table.FormatNames(table.Parse("04474")));
        Assert.AreEqual("CCC _ C1CCNC1 _ _", table.FormatNames([10, -1, 9, -1, -1]));
        Assert.ThrowsExactly<ArgumentException>(() => table.FormatNames([11, 0, 0, 0, 0]));
        Assert.IsNull(new SyntheticBindingLandscape(2, 2).ToTable().FormatNames([0, 1]), "a table without names");
    }

    [TestMethod]
    public void TheEnvironmentIsThePapersAndRecreatesFromItsParameters()
    {
        var env = new SequenceEnvironment(Table.Value);
        Assert.AreEqual(56, env.ActionCount, "11 × 5 writes and the exit");
        Assert.AreEqual(248_832, env.EnumerateStates()!.Length / env.StateWidth, "(11 + 1)^5 states");
        Assert.AreEqual(805L, env.TotalModes);
        Assert.AreEqual("qm9", env.Reward.Parameters!["reward"]);
        Assert.IsFalse(env.Reward.Parameters.ContainsKey("path"), "recreated from the library, not a file");
        var again = (SequenceEnvironment)EnvironmentCatalog.Create(env.Name, env.Parameters!);
        Assert.AreEqual(env.Description, again.Description);
        StringAssert.StartsWith(again.Reward.Description, "qm9(tokens=11, length=5, hash=");
        CollectionAssert.AreEqual(env.Reward.TokenNames!.ToArray(), again.Reward.TokenNames!.ToArray());
        Assert.AreEqual(env.LogPartition, again.LogPartition);
    }

    [TestMethod]
    public void OtherOptionsReweightTheSameScores()
    {
        // α = 1, R_min = 1e-3, max R = 10: log Z* = log Σ 10 · max(y, 1e-3) / max y.
        var linear = SequenceRewardTable.LoadQm9(SequenceTableOptions.Qm9 with { Alpha = 1, Alphabet = null });
        Assert.AreEqual("0123456789A", linear.Alphabet, "any alphabet; the file's own reads it");
        var paper = Table.Value;
        double z = 0;
        var sequence = new int[5];
        for (int i = 0; i < paper.Count; i++)
        {
            for (int k = 4, j = i; k >= 0; k--, j /= 11) sequence[k] = j % 11;
            z += 10 * Math.Max(paper.Score(sequence), 1e-3) / paper.MaxScore;
        }
        Assert.AreEqual(Math.Log(z), linear.LogPartition!.Value, 1e-9);
        Assert.AreEqual(805, linear.ModeCount);
        var e = Assert.ThrowsExactly<ArgumentException>(() => SequenceRewardTable.LoadQm9(SequenceTableOptions.Qm9 with { MinimumScore = 0 }));
        StringAssert.Contains(e.Message, "the shipped QM9 table (qm9str.csv.gz)");
        StringAssert.Contains(e.Message, "set MinimumScore above 0");
    }

    [TestMethod]
    public void ModeCountAndTokenNamesAreChecked()
    {
        (string, double)[] rows = [("00", 0.5), ("01", 0.4), ("10", 0.3), ("11", 1.0)];
        Assert.AreEqual(3, new SequenceRewardTable(2, rows, new SequenceTableOptions { ModeCount = 3 }).ModeCount);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SequenceRewardTable(2, rows, new SequenceTableOptions { ModeCount = 0 }));
        Assert.AreEqual("ModeCount", e.ParamName);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SequenceRewardTable(2, rows, new SequenceTableOptions { ModeCount = 5 }));
        var names = Assert.ThrowsExactly<ArgumentException>(() => new SequenceRewardTable(2, rows, new SequenceTableOptions { TokenNames = ["a", "b", "c"] }));
        StringAssert.StartsWith(names.Message, "TokenNames has 3 names; the table has 2 tokens");
        names = Assert.ThrowsExactly<ArgumentException>(() => new SequenceRewardTable(2, rows, new SequenceTableOptions { TokenNames = ["a", "b c"] }));
        StringAssert.StartsWith(names.Message, "TokenNames holds 'b c'");
        var named = new SequenceRewardTable(2, rows, new SequenceTableOptions { TokenNames = ["x", "yy"] });
        Assert.AreEqual("yy x", named.FormatNames([1, 0]));
    }
}
