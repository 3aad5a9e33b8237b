using GFlowNetML.Environments;
using GFlowNetML.Evaluation;

namespace GFlowNetML.Core.Tests;

/// <summary>log Z* of the original hyper-grid reward against the reference table (landscape note §4).</summary>
[TestClass]
public sealed class HyperGridPartitionTests
{
    // D, H, R0, R1, R2, #states, #mode cells, log Z (6 decimals), mass on modes, precision of that mass in the table.
    [TestMethod]
    [DataRow(2, 8, 0.1, 0.5, 2.0, 64, 4, 3.109061, 0.464, 0.0005, DisplayName = "torchgfn default 2D H=8")]
    [DataRow(2, 16, 0.1, 0.5, 2.0, 256, 4, 4.183576, 0.159, 0.0005, DisplayName = "PPO 16x16")]
    [DataRow(4, 8, 0.1, 0.5, 2.0, 4096, 16, 6.344934, 0.073, 0.0005, DisplayName = "4D H=8 R0=0.1")]
    [DataRow(4, 8, 0.01, 0.5, 2.0, 4096, 16, 5.303106, 0.200, 0.0005, DisplayName = "4D H=8 R0=0.01")]
    [DataRow(4, 8, 0.001, 0.5, 2.0, 4096, 16, 5.100452, 0.244, 0.0005, DisplayName = "4D H=8 R0=0.001")]
    [DataRow(4, 16, 0.1, 0.5, 2.0, 65536, 16, 9.063417, 0.005, 0.0005, DisplayName = "4D H=16")]
    [DataRow(2, 64, 0.1, 0.5, 2.0, 4096, 144, 7.098045, 0.31, 0.005, DisplayName = "2D H=64 R0=0.1")]
    [DataRow(2, 64, 0.01, 0.5, 2.0, 4096, 144, 6.734544, 0.43, 0.005, DisplayName = "2D H=64 R0=0.01")]
    [DataRow(2, 64, 0.001, 0.5, 2.0, 4096, 144, 6.689719, 0.45, 0.005, DisplayName = "2D H=64 R0=0.001")]
    [DataRow(2, 12, 1e-3, 0.5, 2.0, 144, 4, 3.263620, 0.38, 0.005, DisplayName = "SubTB 2D H=12 R0=1e-3")]
    [DataRow(2, 12, 1e-4, 0.5, 2.0, 144, 4, 3.258650, 0.38, 0.005, DisplayName = "SubTB 2D H=12 R0=1e-4")]
    [DataRow(4, 12, 1e-3, 0.5, 2.0, 20736, 16, 6.552131, 0.057, 0.0005, DisplayName = "SubTB 4D H=12 R0=1e-3")]
    [DataRow(4, 12, 1e-4, 0.5, 2.0, 20736, 16, 6.525138, 0.059, 0.0005, DisplayName = "SubTB 4D H=12 R0=1e-4")]
    [DataRow(4, 20, 1e-3, 0.5, 2.0, 160000, 256, 8.643297, 0.113, 0.0005, DisplayName = "gfnx Easy")]
    [DataRow(4, 20, 1e-4, 1.0, 3.0, 160000, 256, 9.285819, 0.095, 0.0005, DisplayName = "gfnx Hard")]
    [DataRow(2, 10, 1e-3, 0.5, 2.0, 100, 4, 3.261935, 0.383, 0.0005, DisplayName = "gfnx CI 2D H=10")]
    [DataRow(2, 128, 0.01, 0.5, 2.0, 16384, 676, 8.178594, 0.476, 0.0005, DisplayName = "paper 2D H=128")]
    [DataRow(2, 256, 0.01, 0.5, 2.0, 65536, 2500, 9.535850, 0.453, 0.0005, DisplayName = "paper 2D H=256")]
    [DataRow(3, 32, 0.01, 0.5, 2.0, 32768, 216, 7.940114, 0.193, 0.0005, DisplayName = "3D H=32")]
    [DataRow(4, 16, 0.01, 0.5, 2.0, 65536, 16, 7.914018, 0.015, 0.0005, DisplayName = "4D H=16 R0=0.01")]
    public void LogPartitionMatchesReferenceTable(int ndim, int height, double r0, double r1, double r2,
        int states, int modes, double logZ, double modeMass, double modeMassPrecision)
    {
        var env = new HyperGrid(ndim, height, r0, r1, r2);

        Assert.AreEqual((double)states, env.CellCount);
        Assert.AreEqual((double)modes, env.ModeCount);
        Assert.IsNotNull(env.LogPartition);
        Assert.AreEqual(logZ, env.LogPartition.Value, 1e-6, "closed form");

        var space = StateSpace.Enumerate(env);
        Assert.AreEqual(states, space.Count);
        Assert.HasCount(states, space.Terminals, "every cell is terminal");
        Assert.AreEqual(logZ, space.LogPartition, 1e-6, "enumeration");
        Assert.AreEqual(env.LogPartition.Value, space.LogPartition, 1e-10, "closed form vs enumeration");

        int modeCells = 0;
        double mass = 0;
        double modeLogReward = Math.Log(r0 + r1 + r2);
        for (int t = 0; t < space.Terminals.Length; t++)
        {
            if (!space.TerminalIsMode[t]) continue;
            modeCells++;
            mass += space.TargetDistribution[t];
            Assert.AreEqual(modeLogReward, space.TerminalLogRewards[t], 1e-12, "a mode earns R0 + R1 + R2");
        }
        Assert.AreEqual(modes, modeCells);
        Assert.AreEqual(modeMass, mass, modeMassPrecision, "mass on modes");
        // Naive sums of up to 160,000 terms (here and inside log Z) carry relative errors of order n·ε ≈ 1e-11.
        Assert.AreEqual(1.0, CompensatedSum(space.TargetDistribution), 1e-10);
    }

    /// <summary>Kahan–Babuška (Neumaier) summation.</summary>
    internal static double CompensatedSum(IEnumerable<double> values)
    {
        double sum = 0, compensation = 0;
        foreach (double v in values)
        {
            double t = sum + v;
            compensation += Math.Abs(sum) >= Math.Abs(v) ? (sum - t) + v : (v - t) + sum;
            sum = t;
        }
        return sum + compensation;
    }

    /// <summary>The paper's large grids, by hand: with a_x = |x/(H−1) − ½|, H = 256 has 128 outer coordinates
    /// (0..63 and 192..255) and 50 band ones (26..50 and 205..229); H = 32 has 16 outer (0..7, 24..31) and 6 band
    /// (4..6, 25..27). Z* = 0.01·H^D + 0.5·outer^D + 2·band^D exactly.</summary>
    [TestMethod]
    [DataRow(2, 256, 128, 50, 655.36 + 8192 + 5000, DisplayName = "2D H=256: Z* = 13847.36")]
    [DataRow(3, 32, 16, 6, 327.68 + 2048 + 432, DisplayName = "3D H=32: Z* = 2807.68")]
    public void LargeGridLogPartitionIsExact(int ndim, int height, int outer, int band, double partition)
    {
        var env = new HyperGrid(ndim, height, 0.01);
        Assert.AreEqual(outer, env.OuterCellsPerDimension);
        Assert.AreEqual(band, env.BandCellsPerDimension);
        Assert.AreEqual(Math.Log(partition), env.LogPartition!.Value, 1e-12, "closed form");
        var space = StateSpace.Enumerate(env);
        Assert.AreEqual(Math.Log(partition), space.LogPartition, 1e-11, "enumeration");
        Assert.AreEqual(ndim * (height - 1) + 1, env.MaxTrajectoryLength);
    }

    [TestMethod]
    public void ClosedFormHandlesZeroBonusesAndEmptyBand()
    {
        // H = 5: a = |x/4 − ½| ∈ {½, ¼, 0, ¼, ½}: two outer cells (0, 4), no band cell (¼ is not > 0.3, not even > ¼).
        var env = new HyperGrid(3, 5, 0.01, 0.5, 2.0);
        Assert.AreEqual(2, env.OuterCellsPerDimension);
        Assert.AreEqual(0, env.BandCellsPerDimension);
        Assert.AreEqual(0.0, env.ModeCount);
        Assert.AreEqual(Math.Log(0.01 * 125 + 0.5 * 8), env.LogPartition!.Value, 1e-12);
        Assert.AreEqual(env.LogPartition.Value, StateSpace.Enumerate(env).LogPartition, 1e-12);

        var flat = new HyperGrid(2, 8, 0.3, 0.0, 0.0);
        Assert.AreEqual(Math.Log(0.3 * 64), flat.LogPartition!.Value, 1e-12);
        Assert.AreEqual(flat.LogPartition.Value, StateSpace.Enumerate(flat).LogPartition, 1e-12);
    }
}
