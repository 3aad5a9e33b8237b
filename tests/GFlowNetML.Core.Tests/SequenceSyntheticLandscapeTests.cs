using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Rewards;

namespace GFlowNetML.Core.Tests;

/// <summary>The synthetic TFBind8-shaped landscape: size, determinism by seed, the TFBind8 transform, modes, shape, CSV.</summary>
[TestClass]
public sealed class SequenceSyntheticLandscapeTests
{
    private static readonly Lazy<SyntheticBindingLandscape> Default = new(() => new SyntheticBindingLandscape());

    [TestMethod]
    public void DefaultLandscapeHasTheTFBind8Shape()
    {
        var landscape = Default.Value;
        Assert.AreEqual(65536, landscape.Count);
        double[] y = landscape.Scores();
        Assert.AreEqual(1.0, y.Max());
        Assert.AreEqual(Math.Exp(-SyntheticBindingLandscape.DynamicRange), y.Min(), 1e-12);
        Assert.AreEqual(65536, y.Distinct().Count(), "no ties");
        var table = landscape.ToTable();
        Assert.AreEqual(65536, table.Count);
        Assert.AreEqual(328, table.ModeCount, "⌈0.005 · 65,536⌉ = 328, the paper's TFBind8 mode count");
        Assert.AreEqual(3, table.Options.Alpha);
        Assert.AreEqual(1e-3, table.Options.MinimumScore);

        // log Z by hand from the scores: R = 10 · (max(y, 1e-3) / max y)^3.
        double z = y.Sum(v => 10 * Math.Pow(Math.Max(v, 1e-3), 3));
        Assert.AreEqual(Math.Log(z), table.LogPartition!.Value, 1e-10);
        Assert.AreEqual(8.8977, table.LogPartition.Value, 5e-4, "regression value for seed 0");
        var sorted = y.OrderByDescending(v => v).ToArray();
        Assert.AreEqual(sorted[327], table.ModeScoreThreshold);

        // A long tail: the median reward is far below the maximum, and the 0.5% modes hold over 10% of the mass.
        double median = sorted[32768];
        Assert.IsLessThan(0.25, median);
        double modeMass = sorted.Take(328).Sum(v => 10 * Math.Pow(v, 3));
        Assert.IsGreaterThan(0.10, modeMass / z);
    }

    [TestMethod]
    public void ManyLocalOptimaUnderSingleTokenChanges()
    {
        double[] y = Default.Value.Scores();
        int optima = 0;
        for (int i = 0; i < y.Length; i++)
        {
            bool best = true;
            for (int p = 0, weight = 1; p < 8 && best; p++, weight *= 4)
            {
                int digit = i / weight % 4;
                for (int k = 0; k < 4 && best; k++) if (k != digit && y[i + (k - digit) * weight] >= y[i]) best = false;
            }
            if (best) optima++;
        }
        Assert.AreEqual(29, optima);
    }

    [TestMethod]
    public void SameSeedSameTableDifferentSeedDifferentTable()
    {
        var a = new SyntheticBindingLandscape(4, 5, 3, 11);
        var b = new SyntheticBindingLandscape(4, 5, 3, 11);
        var c = new SyntheticBindingLandscape(4, 5, 3, 12);
        CollectionAssert.AreEqual(a.Scores(), b.Scores());
        CollectionAssert.AreNotEqual(a.Scores(), c.Scores());
        Assert.AreEqual(a.ToTable().Description, b.ToTable().Description);
        Assert.AreNotEqual(a.ToTable().Description, c.ToTable().Description);
        Assert.AreNotEqual(a.ToTable().LogPartition, c.ToTable().LogPartition);
        Assert.AreEqual(1024, a.Count);
        Assert.AreEqual(6, a.ToTable().ModeCount, "⌈0.005 · 1024⌉ = 6");
    }

    [TestMethod]
    public void ParametersRecreateTheTableAndCsvReadsBackTheSameRewards()
    {
        var landscape = new SyntheticBindingLandscape(3, 4, 2, 3);
        var table = landscape.ToTable(new SequenceTableOptions { Alpha = 2, ModeFraction = 0.1 });
        var p = table.Parameters!;
        Assert.AreEqual("synthetic", p["reward"]);
        Assert.AreEqual("2", p["alpha"]);
        Assert.AreEqual("0.1", p["mode-fraction"]);
        var env = SequenceEnvironment.FromParameters(new EnvironmentCatalog.ParameterReader("sequence", new SequenceEnvironment(table).Parameters!));
        Assert.AreEqual(table.Description, env.Reward.Description);
        Assert.AreEqual(table.LogPartition, env.LogPartition);

        string path = Path.Combine(Path.GetTempPath(), $"seqa-{Guid.NewGuid():N}.csv");
        try
        {
            landscape.WriteCsv(path);
            string[] lines = File.ReadAllLines(path);
            Assert.AreEqual(82, lines.Length);
            Assert.AreEqual("sequence,score", lines[0]);
            StringAssert.StartsWith(lines[1], "0000,");
            StringAssert.StartsWith(lines[81], "2222,");
            var read = SequenceRewardTable.ReadCsv(path, 3, new SequenceTableOptions { Alpha = 2, ModeFraction = 0.1 });
            Assert.AreEqual(table.LogPartition!.Value, read.LogPartition!.Value, 1e-12);
            Assert.AreEqual(table.ModeCount, read.ModeCount);
            var space = StateSpace.Enumerate(new SequenceEnvironment(read, SequenceActionModel.PrependOrAppend));
            Assert.AreEqual(read.LogPartition.Value, space.LogPartition, 1e-10);
            Assert.AreEqual(1.0, space.TargetDistribution.Sum(), 1e-12);
        }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void ArgumentsAreChecked()
    {
        Assert.AreEqual("tokens", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SyntheticBindingLandscape(1)).ParamName);
        Assert.AreEqual("length", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SyntheticBindingLandscape(4, 0)).ParamName);
        Assert.AreEqual("length", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SyntheticBindingLandscape(4, 13)).ParamName);
        Assert.AreEqual("motifs", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new SyntheticBindingLandscape(4, 4, 0)).ParamName);
        var small = new SyntheticBindingLandscape(2, 3, 1, 0);
        Assert.AreEqual(3, small.MotifWidths[0], "motif widths are capped at L");
        Assert.ThrowsExactly<ArgumentException>(() => small.Score([0, 1]));
        Assert.ThrowsExactly<ArgumentException>(() => small.Score([0, 1, 2]));
    }
}
