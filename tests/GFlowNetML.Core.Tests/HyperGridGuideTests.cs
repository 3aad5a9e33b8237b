using GFlowNetML.Environments;
using GFlowNetML.Guides;
using GFlowNetML.Sampling;

namespace GFlowNetML.Core.Tests;

/// <summary>The hyper-grid guide (exit capped where R = R0), <see cref="HyperGrid.IsBaseReward"/>,
/// <see cref="HyperGrid.DefaultGuide"/>, and a guide written outside the library through the public API.</summary>
/// <remarks>On the 8 × 8 grid (n = 2(H − 1) = 14, m = |2x − 7|): coordinates 0, 1, 6, 7 are outer (4m &gt; n) and 1, 6 are
/// in the band (3n &lt; 10m &lt; 4n). So (3,3) and (0,3) earn R0, (0,0) and (7,7) R0 + R1, (1,1) and (1,6) R0 + R1 + R2.</remarks>
[TestClass]
public sealed class HyperGridGuideTests
{
    private static readonly float Log02 = MathF.Log(0.2f), Log03 = MathF.Log(0.3f), Log05 = MathF.Log(0.5f);

    /// <summary>Runs the guide on one state with its forward masks, and returns the guide's probabilities.</summary>
    private static double[] GuideProbabilities(GFlowNetGuide guide, HyperGrid grid, int[] state, float[] forwardLogProbabilities)
    {
        var masks = new bool[grid.ActionCount];
        grid.ForwardMasks(state, masks);
        var result = new float[grid.ActionCount];
        guide.LogProbabilities(state, masks, state, forwardLogProbabilities, result);
        for (int a = 0; a < grid.ActionCount; a++)
            if (!masks[a]) Assert.AreEqual(float.NegativeInfinity, result[a], $"masked action {a} of {grid.Format(state)}");
        return result.Select(x => Math.Exp(x)).ToArray();
    }

    [TestMethod]
    public void BaseRewardCellCapsTheExitAndRenormalises()
    {
        // π_F = (0.2, 0.3, 0.5) at (3,3), R = R0: exit → 1e-5, then everything is divided by 0.2 + 0.3 + 1e-5 = 0.50001.
        var grid = new HyperGrid(2, 8);
        Assert.IsTrue(grid.IsBaseReward([3, 3]));
        double[] p = GuideProbabilities(new HyperGridGuide(grid), grid, [3, 3], [Log02, Log03, Log05]);
        Assert.AreEqual(0.2 / 0.50001, p[0], 1e-6);
        Assert.AreEqual(0.3 / 0.50001, p[1], 1e-6);
        Assert.AreEqual(1e-5 / 0.50001, p[2], 1e-10);
        Assert.AreEqual(1.0, p.Sum(), 1e-6);
    }

    [TestMethod]
    public void BaseRewardCellWithAMaskedMoveCapsTheExit()
    {
        // (7,3): x_0 is at the top, so "+1 on dim 0" is masked; π_F = (−, 0.4, 0.6) → (−, 0.4, 1e-5) / 0.40001.
        var grid = new HyperGrid(2, 8);
        Assert.IsTrue(grid.IsBaseReward([7, 3]));
        double[] p = GuideProbabilities(new HyperGridGuide(grid), grid, [7, 3], [float.NegativeInfinity, MathF.Log(0.4f), MathF.Log(0.6f)]);
        Assert.AreEqual(0.0, p[0]);
        Assert.AreEqual(0.4 / 0.40001, p[1], 1e-6);
        Assert.AreEqual(1e-5 / 0.40001, p[2], 1e-10);
    }

    [TestMethod]
    public void CapIsOnTheExitLogProbabilityBeforeRenormalisation()
    {
        // A π_F that almost always exits: the capped exit is renormalised against the small remaining mass, so the
        // guide's exit probability is 1e-5 / (0.1 + 1e-5) ≈ 1e-4, above the cap (ExitCap bounds π_F's exit before
        // renormalisation, not π_G's).
        var grid = new HyperGrid(2, 8);
        double[] p = GuideProbabilities(new HyperGridGuide(grid), grid, [3, 3], [MathF.Log(0.05f), MathF.Log(0.05f), MathF.Log(0.9f)]);
        Assert.AreEqual(1e-5 / 0.10001, p[2], 1e-9);
        Assert.AreEqual(0.05 / 0.10001, p[0], 1e-6);
    }

    [TestMethod]
    [DataRow(0, 0)]
    [DataRow(7, 7)]
    [DataRow(0, 7)]
    [DataRow(1, 1)]
    [DataRow(1, 6)]
    public void HighRewardCellKeepsTheForwardPolicy(int x, int y)
    {
        var grid = new HyperGrid(2, 8);
        int[] state = [x, y];
        Assert.IsFalse(grid.IsBaseReward(state));
        var masks = new bool[3];
        grid.ForwardMasks(state, masks);
        // Any normalised π_F over the allowed actions, with a large exit.
        float[] logPf = new float[3];
        int allowed = masks.Count(m => m);
        float[] weights = allowed == 3 ? [0.1f, 0.2f, 0.7f] : allowed == 2 ? [0.25f, 0.25f, 0.75f] : [0f, 0f, 1f];
        for (int a = 0; a < 3; a++) logPf[a] = masks[a] ? MathF.Log(weights[a]) : float.NegativeInfinity;
        var result = new float[3];
        new HyperGridGuide(grid).LogProbabilities(state, masks, state, logPf, result);
        for (int a = 0; a < 3; a++)
        {
            if (masks[a]) Assert.AreEqual(logPf[a], result[a], 1e-6f, $"action {a} of ({x},{y})");
            else Assert.AreEqual(float.NegativeInfinity, result[a]);
        }
    }

    [TestMethod]
    public void ExitAlreadyBelowTheCapIsUnchanged()
    {
        var grid = new HyperGrid(2, 8);
        float[] logPf = [MathF.Log(0.5f), MathF.Log(0.5f - 2e-6f), MathF.Log(2e-6f)];
        var result = new float[3];
        new HyperGridGuide(grid).LogProbabilities([3, 3], [true, true, true], [3, 3], logPf, result);
        for (int a = 0; a < 3; a++) Assert.AreEqual(logPf[a], result[a], 1e-6f, $"action {a}");
    }

    [TestMethod]
    public void CustomCapIsUsed()
    {
        var grid = new HyperGrid(2, 8);
        var guide = new HyperGridGuide(grid, exitCap: 0.1);
        Assert.AreEqual(0.1, guide.ExitCap);
        double[] p = GuideProbabilities(guide, grid, [3, 3], [Log02, Log03, Log05]);
        Assert.AreEqual(0.2 / 0.6, p[0], 1e-6);
        Assert.AreEqual(0.3 / 0.6, p[1], 1e-6);
        Assert.AreEqual(0.1 / 0.6, p[2], 1e-6);
    }

    [TestMethod]
    [DataRow(2, 8, 0.5, 2.0)]
    [DataRow(3, 5, 0.5, 2.0)]
    [DataRow(2, 8, 0.0, 2.0)]
    [DataRow(2, 8, 0.5, 0.0)]
    [DataRow(2, 8, 0.0, 0.0)]
    public void WholeGridRowsAreNormalisedAndCappedExactlyInBaseRewardCells(int ndim, int height, double r1, double r2)
    {
        // Every cell at once, with a random π_F: rows sum to 1, masked actions are −∞, and the exit is capped exactly
        // where IsBaseReward holds.
        var grid = new HyperGrid(ndim, height, 0.01, r1, r2);
        int[] states = grid.EnumerateStates()!;
        int n = states.Length / ndim, actions = grid.ActionCount, exit = grid.ExitAction;
        var masks = new bool[n * actions];
        grid.ForwardMasks(states, masks);
        var random = new GFlowNetRandom(ndim * 100 + height);
        var logPf = new float[n * actions];
        for (int i = 0; i < logPf.Length; i++) logPf[i] = (float)(6 * random.NextDouble() - 3);
        for (int i = 0; i < n; i++) logPf[i * actions + exit] += 4;     // exit is usually the likeliest action
        LogSoftmax.Masked(logPf, masks, actions);
        var result = new float[n * actions];
        new HyperGridGuide(grid).LogProbabilities(states, masks, states, logPf, result);

        int capped = 0;
        for (int i = 0; i < n; i++)
        {
            var cell = states.AsSpan(i * ndim, ndim);
            double sum = 0;
            for (int a = 0; a < actions; a++)
            {
                if (!masks[i * actions + a]) Assert.AreEqual(float.NegativeInfinity, result[i * actions + a]);
                sum += Math.Exp(result[i * actions + a]);
            }
            Assert.AreEqual(1.0, sum, 1e-5, $"row of {grid.Format(cell)}");

            double pfExit = Math.Exp(logPf[i * actions + exit]), pfMoves = 0;
            for (int a = 0; a < exit; a++) pfMoves += Math.Exp(logPf[i * actions + a]);
            double expectedExit;
            if (grid.IsBaseReward(cell) && pfExit > 1e-5)
            {
                capped++;
                expectedExit = 1e-5 / (pfMoves + 1e-5);
            }
            else expectedExit = pfExit / (pfMoves + pfExit);
            Assert.AreEqual(expectedExit, Math.Exp(result[i * actions + exit]), 1e-5 * expectedExit, $"exit at {grid.Format(cell)}");
        }
        double outerCells = r1 > 0 ? Math.Pow(grid.OuterCellsPerDimension, ndim) : 0;
        double bandOnly = r1 > 0 ? 0 : r2 > 0 ? grid.ModeCount : 0;    // the band lies inside the outer region
        Assert.AreEqual(grid.CellCount - outerCells - bandOnly, capped, "capped cells = base-reward cells");
    }

    [TestMethod]
    public void IsBaseRewardCountsFollowTheBonuses()
    {
        static int BaseCells(HyperGrid grid)
        {
            int[] states = grid.EnumerateStates()!;
            int count = 0;
            for (int i = 0; i < states.Length; i += grid.Dimensions) if (grid.IsBaseReward(states.AsSpan(i, grid.Dimensions))) count++;
            return count;
        }

        // 8 × 8: 4 outer coordinates per dimension (16 outer cells), 2 band coordinates (4 modes, all inside the outer region).
        Assert.AreEqual(64 - 16, BaseCells(new HyperGrid(2, 8)));
        Assert.AreEqual(64 - 4, BaseCells(new HyperGrid(2, 8, r1: 0)), "R1 = 0: outer cells outside the band earn only R0");
        Assert.AreEqual(64 - 16, BaseCells(new HyperGrid(2, 8, r2: 0)), "R2 = 0: the band is still outer");
        Assert.AreEqual(64, BaseCells(new HyperGrid(2, 8, r1: 0, r2: 0)));

        var r1Zero = new HyperGrid(2, 8, r1: 0);
        Assert.IsTrue(r1Zero.IsBaseReward([0, 0]));
        Assert.IsTrue(r1Zero.IsBaseReward([7, 0]));
        Assert.IsFalse(r1Zero.IsBaseReward([1, 6]), "a mode still earns R2");
        var r2Zero = new HyperGrid(2, 8, r2: 0);
        Assert.IsFalse(r2Zero.IsBaseReward([1, 1]), "a band cell still earns R1");
        Assert.IsFalse(r2Zero.IsBaseReward([0, 7]));
        Assert.IsTrue(r2Zero.IsBaseReward([3, 7]));
    }

    [TestMethod]
    public void IsBaseRewardChecksTheCell()
    {
        var grid = new HyperGrid(2, 8);
        Assert.ThrowsExactly<ArgumentException>(() => grid.IsBaseReward([3]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => grid.IsBaseReward([3, 8]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => grid.IsBaseReward([-1, 3]));
    }

    [TestMethod]
    public void ExitOnlyCellStaysCertainExitWhenItIsABaseRewardCell()
    {
        // With R1 = 0 the corner (7,7) earns R0, and exit is its only action: capping and renormalising leaves exit at 1.
        var grid = new HyperGrid(2, 8, r1: 0);
        Assert.IsTrue(grid.IsBaseReward([7, 7]));
        double[] p = GuideProbabilities(new HyperGridGuide(grid), grid, [7, 7], [float.NegativeInfinity, float.NegativeInfinity, 0f]);
        CollectionAssert.AreEqual(new[] { 0.0, 0.0, 1.0 }, p);
    }

    [TestMethod]
    public void BatchRowsAreIndependent()
    {
        // Three rows at once (base, outer, mode) give what three single-row calls give.
        var grid = new HyperGrid(2, 8);
        var guide = new HyperGridGuide(grid);
        int[] states = [3, 3, 0, 0, 1, 1];
        var masks = new bool[9];
        grid.ForwardMasks(states, masks);
        float[] logPf = [Log02, Log03, Log05, Log02, Log03, Log05, Log05, Log03, Log02];
        var batch = new float[9];
        guide.LogProbabilities(states, masks, states, logPf, batch);
        for (int r = 0; r < 3; r++)
        {
            var single = new float[3];
            guide.LogProbabilities(states.AsSpan(2 * r, 2), masks.AsSpan(3 * r, 3), states.AsSpan(2 * r, 2), logPf.AsSpan(3 * r, 3), single);
            CollectionAssert.AreEqual(single, batch.AsSpan(3 * r, 3).ToArray(), $"row {r}");
        }
        Assert.AreEqual(1e-5 / 0.50001, Math.Exp(batch[2]), 1e-10, "(3,3) is capped");
        Assert.AreEqual(0.5, Math.Exp(batch[5]), 1e-6, "(0,0) is not");
        Assert.AreEqual(0.2, Math.Exp(batch[8]), 1e-6, "(1,1) is not");
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(-1e-3)]
    [DataRow(1.0)]
    [DataRow(1.5)]
    [DataRow(double.NaN)]
    [DataRow(double.PositiveInfinity)]
    public void ExitCapOutsideTheOpenUnitIntervalThrows(double exitCap)
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new HyperGridGuide(new HyperGrid(2, 8), exitCap));
        Assert.AreEqual("exitCap", e.ParamName);
    }

    [TestMethod]
    public void NullGridThrows()
    {
        var e = Assert.ThrowsExactly<ArgumentNullException>(() => new HyperGridGuide(null!));
        Assert.AreEqual("grid", e.ParamName);
    }

    [TestMethod]
    [DataRow(5, 6, 6)]      // masks too short
    [DataRow(6, 5, 6)]      // forward log-probabilities too short
    [DataRow(6, 6, 5)]      // output too short
    [DataRow(7, 6, 6)]      // masks too long
    [DataRow(6, 6, 9)]      // output for three rows, two states
    public void WrongSpanLengthsThrow(int maskCount, int forwardCount, int outputCount)
    {
        var grid = new HyperGrid(2, 8);
        int[] states = [3, 3, 0, 0];
        var masks = new bool[maskCount];
        var forward = new float[forwardCount];
        var output = new float[outputCount];
        Assert.ThrowsExactly<ArgumentException>(() => new HyperGridGuide(grid).LogProbabilities(states, masks, states, forward, output));
    }

    // BUG (src/GFlowNetML.Core/Guides/HyperGridGuide.cs, LogProbabilities): the state batch is not checked to be a whole
    // number of states. `rows = states.Length / width` truncates, so 3 integers on a 2-D grid are read as the one state
    // (3,3) and the trailing integer is silently ignored, whereas every HyperGrid method (BatchOf) and
    // BackwardTrajectorySampler.Sample reject such a batch with an ArgumentException. Expected: ArgumentException;
    // actual: no exception. This test fails until the guide validates `states.Length % StateWidth == 0`.
    [TestMethod]
    public void StatesNotAWholeNumberOfCellsThrow()
    {
        var grid = new HyperGrid(2, 8);
        int[] states = [3, 3, 0];
        bool[] masks = [true, true, true];
        float[] forward = [Log02, Log03, Log05];
        var output = new float[3];
        Assert.ThrowsExactly<ArgumentException>(() => new HyperGridGuide(grid).LogProbabilities(states, masks, states, forward, output));
    }

    [TestMethod]
    public void DefaultGuideOfTheHyperGridIsTheHyperGridGuide()
    {
        var grid = new HyperGrid(2, 8);
        var guide = grid.DefaultGuide;
        Assert.IsInstanceOfType<HyperGridGuide>(guide);
        Assert.AreEqual(1e-5, ((HyperGridGuide)guide).ExitCap);
        Assert.AreEqual("hypergrid-no-exit-below-r0", guide.Name);
        // It is the guide of this grid: it caps at (3,3) but not at (0,0).
        double[] p = GuideProbabilities(guide, grid, [3, 3], [Log02, Log03, Log05]);
        Assert.AreEqual(1e-5 / 0.50001, p[2], 1e-10);
        p = GuideProbabilities(guide, grid, [0, 0], [Log02, Log03, Log05]);
        Assert.AreEqual(0.5, p[2], 1e-6);
        // An environment that does not define one has none.
        Assert.IsNull(new ChainEnvironment(3, null).DefaultGuide);
        // Observe does nothing by default.
        guide.Observe([3, 3], [Math.Log(0.01)]);
    }

    [TestMethod]
    public void GuideEvaluatedOnABackwardBatchGivesFiniteLogProbabilitiesOfTheForwardActions()
    {
        // How RL-G uses a guide: on the parents of a backward batch, with their forward masks and the start states as
        // targets. The forward actions of backward rows are moves, never the exit, so capping never removes them.
        var grid = new HyperGrid(2, 8);
        var random = new GFlowNetRandom(3);
        var starts = new int[2 * 100];
        for (int i = 0; i < starts.Length; i++) starts[i] = random.NextInt(8);
        var batch = new BackwardTrajectorySampler(grid).Sample(new UniformPolicy(), starts, random);
        int rows = batch.RowCount, actions = grid.ActionCount;
        var logPf = new float[rows * actions];
        new UniformPolicy().LogProbabilities(batch.ParentFeatures, batch.ParentMasks, rows, logPf);
        var targets = new int[rows * 2];
        for (int r = 0; r < rows; r++) batch.StartStates.AsSpan(2 * batch.RowTrajectory[r], 2).CopyTo(targets.AsSpan(2 * r, 2));
        var logPg = new float[rows * actions];
        grid.DefaultGuide.LogProbabilities(batch.ParentStates, batch.ParentMasks, targets, logPf, logPg);
        for (int r = 0; r < rows; r++)
        {
            float lp = logPg[r * actions + batch.ForwardActions[r]];
            Assert.IsTrue(float.IsFinite(lp), $"row {r}: log π_G = {lp}");
            Assert.IsGreaterThanOrEqualTo(logPf[r * actions + batch.ForwardActions[r]] - 1e-6f, lp, "capping the exit only moves mass to the moves");
        }
    }

    /// <summary>A guide written outside the library: exit only in mode cells (where the policy must be able to stop),
    /// elsewhere π_F with the exit removed — unless exit is the only allowed action. It also remembers the best
    /// log-reward it has observed.</summary>
    private sealed class ExitOnlyAtModesGuide(HyperGrid grid) : GFlowNetGuide
    {
        public double BestLogReward { get; private set; } = double.NegativeInfinity;

        public override string Name => "exit-only-at-modes";

        public override void LogProbabilities(ReadOnlySpan<int> states, ReadOnlySpan<bool> masks, ReadOnlySpan<int> targets,
            ReadOnlySpan<float> forwardLogProbabilities, Span<float> guideLogProbabilities)
        {
            int width = grid.StateWidth, actions = grid.ActionCount, exit = grid.ExitAction;
            forwardLogProbabilities.CopyTo(guideLogProbabilities);
            var allowed = masks.ToArray();
            for (int r = 0; r < states.Length / width; r++)
            {
                bool onlyExit = true;
                for (int a = 0; a < exit; a++) onlyExit &= !masks[r * actions + a];
                if (!onlyExit && !grid.IsMode(states.Slice(r * width, width))) allowed[r * actions + exit] = false;
            }
            LogSoftmax.Masked(guideLogProbabilities, allowed, actions);
        }

        public override void Observe(ReadOnlySpan<int> terminalStates, ReadOnlySpan<double> logRewards)
        {
            foreach (double logReward in logRewards) BestLogReward = Math.Max(BestLogReward, logReward);
        }
    }

    [TestMethod]
    public void AGuideWrittenThroughThePublicApiWorks()
    {
        var grid = new HyperGrid(2, 8);
        var guide = new ExitOnlyAtModesGuide(grid);
        Assert.AreEqual("exit-only-at-modes", guide.Name);

        // (3,3): no exit, the moves keep their ratio 0.2 : 0.3.
        double[] p = GuideProbabilities(guide, grid, [3, 3], [Log02, Log03, Log05]);
        CollectionAssert.AreEqual(new[] { 0.4, 0.6, 0.0 }, p.Select(x => Math.Round(x, 6)).ToArray());
        // (0,0) is high-reward but not a mode: no exit either (unlike the hyper-grid guide).
        p = GuideProbabilities(guide, grid, [0, 0], [Log02, Log03, Log05]);
        Assert.AreEqual(0.0, p[2]);
        // (1,6) is a mode: π_F unchanged.
        p = GuideProbabilities(guide, grid, [1, 6], [Log02, Log03, Log05]);
        Assert.AreEqual(0.2, p[0], 1e-6);
        Assert.AreEqual(0.3, p[1], 1e-6);
        Assert.AreEqual(0.5, p[2], 1e-6);
        // The corner (7,7): exit is the only action, so it stays.
        p = GuideProbabilities(guide, grid, [7, 7], [float.NegativeInfinity, float.NegativeInfinity, 0f]);
        CollectionAssert.AreEqual(new[] { 0.0, 0.0, 1.0 }, p);

        // Observe is called with terminal objects and their log-rewards.
        int[] terminals = [3, 3, 1, 6, 0, 0];
        var logRewards = new double[3];
        grid.LogReward(terminals, logRewards);
        guide.Observe(terminals, logRewards);
        Assert.AreEqual(Math.Log(0.01 + 0.5 + 2.0), guide.BestLogReward, 1e-12);

        // Over the whole grid, every row is a distribution over the allowed moves and exits only at modes and the corner.
        int[] states = grid.EnumerateStates()!;
        int n = states.Length / 2;
        var masks = new bool[n * 3];
        grid.ForwardMasks(states, masks);
        var logPf = new float[n * 3];
        new UniformPolicy().LogProbabilities(new float[n * grid.EncodingWidth], masks, n, logPf);
        var logPg = new float[n * 3];
        guide.LogProbabilities(states, masks, states, logPf, logPg);
        int exitCells = 0;
        for (int i = 0; i < n; i++)
        {
            Assert.AreEqual(1.0, Enumerable.Range(0, 3).Sum(a => Math.Exp(logPg[i * 3 + a])), 1e-6);
            if (logPg[i * 3 + 2] > float.NegativeInfinity) exitCells++;
        }
        Assert.AreEqual(grid.ModeCount + 1, exitCells, "the 4 modes and the corner");
    }
}
