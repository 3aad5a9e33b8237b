using System.Numerics;
using GFlowNetML.Environments;

namespace GFlowNetML.Core.Tests;

/// <summary>
/// The per-dimension counts of outer and band cells, checked against exact rational arithmetic, and the float64
/// pitfall (landscape note §2): naive comparisons miscount the band for heights such as 16 and 21.
/// </summary>
[TestClass]
public sealed class HyperGridBandCountTests
{
    /// <summary>An exact fraction num/den with den &gt; 0 (BigInteger; only what the thresholds need).</summary>
    private readonly record struct Rational(BigInteger Num, BigInteger Den)
    {
        public static Rational Of(long num, long den) => den > 0 ? new(num, den) : new(-num, -den);
        public static Rational operator -(Rational a, Rational b) => new(a.Num * b.Den - b.Num * a.Den, a.Den * b.Den);
        public Rational Abs() => new(BigInteger.Abs(Num), Den);
        public int CompareTo(Rational other) => (Num * other.Den).CompareTo(other.Num * Den);
    }

    /// <summary>a = |x/(H−1) − 1/2| as an exact fraction.</summary>
    private static Rational A(int x, int height) => (Rational.Of(x, height - 1) - Rational.Of(1, 2)).Abs();

    private static int ExactBandCount(int height)
    {
        Rational low = Rational.Of(3, 10), high = Rational.Of(4, 10);
        int count = 0;
        for (int x = 0; x < height; x++)
        {
            var a = A(x, height);
            if (a.CompareTo(low) > 0 && a.CompareTo(high) < 0) count++;
        }
        return count;
    }

    private static int ExactOuterCount(int height)
    {
        Rational quarter = Rational.Of(1, 4);
        int count = 0;
        for (int x = 0; x < height; x++) if (A(x, height).CompareTo(quarter) > 0) count++;
        return count;
    }

    /// <summary>The naive float64 test gfnx and the original code use: 0.3 &lt; |x/(H−1) − 0.5| &lt; 0.4.</summary>
    private static int NaiveDoubleBandCount(int height)
    {
        int count = 0;
        for (int x = 0; x < height; x++)
        {
            double a = Math.Abs(x / (double)(height - 1) - 0.5);
            if (0.3 < a && a < 0.4) count++;
        }
        return count;
    }

    // H, the exact band count (from rational counting), and how many more cells the naive float64 test counts.
    [TestMethod]
    [DataRow(16, 2, 1)]
    [DataRow(21, 2, 1)]
    [DataRow(31, 4, 1)]
    [DataRow(41, 6, 1)]
    [DataRow(6, 0, 1)]
    [DataRow(11, 0, 1)]
    [DataRow(8, 2, 0)]
    [DataRow(12, 2, 0)]
    [DataRow(20, 4, 0)]
    [DataRow(32, 6, 0)]
    [DataRow(64, 12, 0)]
    public void BandCountIsExact(int height, int expectedBand, int naiveExcess)
    {
        Assert.AreEqual(expectedBand, ExactBandCount(height), "the rational reference itself");
        var env = new HyperGrid(2, height);
        Assert.AreEqual(expectedBand, env.BandCellsPerDimension);
        Assert.AreEqual(ExactOuterCount(height), env.OuterCellsPerDimension);
        Assert.AreEqual(expectedBand + naiveExcess, NaiveDoubleBandCount(height), "what a naive float64 comparison counts");

        // Cell by cell: IsMode on the diagonal (x, x) is exactly the band test of x.
        Rational low = Rational.Of(3, 10), high = Rational.Of(4, 10);
        for (int x = 0; x < height; x++)
        {
            var a = A(x, height);
            bool band = a.CompareTo(low) > 0 && a.CompareTo(high) < 0;
            Assert.AreEqual(band, env.IsMode([x, x]), $"H={height}, x={x}");
        }
    }

    [TestMethod]
    public void NaiveDoubleComparisonMiscountsH16AndH21()
    {
        // H = 16: x = 12 gives a = 12/15 − 1/2 = 3/10 exactly, which is not strictly inside (0.3, 0.4);
        // in float64, 12.0/15 − 0.5 = 0.30000000000000004 > 0.3, so the naive test counts it.
        Assert.AreEqual(0.30000000000000004, Math.Abs(12 / 15.0 - 0.5));
        Assert.AreEqual(3, NaiveDoubleBandCount(16));
        Assert.AreEqual(2, new HyperGrid(2, 16).BandCellsPerDimension);
        Assert.AreEqual(0, A(12, 16).CompareTo(Rational.Of(3, 10)));
        Assert.IsFalse(new HyperGrid(1, 16).IsMode([12]));
        Assert.IsFalse(new HyperGrid(1, 16).IsMode([3]));
        Assert.IsTrue(new HyperGrid(1, 16).IsMode([2]));
        Assert.IsTrue(new HyperGrid(1, 16).IsMode([13]));

        // H = 21: x = 16 gives a = 16/20 − 1/2 = 3/10 exactly; the naive test counts it again.
        Assert.AreEqual(3, NaiveDoubleBandCount(21));
        Assert.AreEqual(2, new HyperGrid(2, 21).BandCellsPerDimension);
        Assert.AreEqual(0, A(16, 21).CompareTo(Rational.Of(3, 10)));
        Assert.IsFalse(new HyperGrid(1, 21).IsMode([16]));

        // The mode count and log Z follow the exact count: 2D H=16 has 4 modes, not 9.
        Assert.AreEqual(4.0, new HyperGrid(2, 16, 0.1).ModeCount);
    }
}
