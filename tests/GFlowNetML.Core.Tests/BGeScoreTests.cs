using GFlowNetML.Rewards;

namespace GFlowNetML.Core.Tests;

/// <summary>The BGe score: a two-node case worked by hand, score equivalence, decomposition, log Γ and bad input.</summary>
[TestClass]
public sealed class BGeScoreTests
{
    // Two variables, three samples: x = (1, 2, 4), y = (0.5, 1.5, 1).
    private static readonly double[,] HandData = { { 1.0, 0.5 }, { 2.0, 1.5 }, { 4.0, 1.0 } };

    /// <summary>The BGe score of the 2-node graphs written out by hand (n = 2, N = 3, α_μ = 1, α_w = 4).</summary>
    [TestMethod]
    public void TwoNodeCaseWorkedByHand()
    {
        // t = α_μ(α_w − n − 1)/(α_μ + 1) = 1·(4 − 2 − 1)/2 = 0.5.
        // Means: x̄ = 7/3, ȳ = 1.
        // Scatter: Sxx = (−4/3)² + (−1/3)² + (5/3)² = 42/9; Syy = 0.25 + 0.25 + 0 = 0.5;
        //          Sxy = (−4/3)(−0.5) + (−1/3)(0.5) + (5/3)(0) = 0.5.
        // Mean term weight N·α_μ/(N + α_μ) = 3/4.
        double rxx = 0.5 + 42.0 / 9 + 0.75 * (7.0 / 3) * (7.0 / 3);
        double ryy = 0.5 + 0.5 + 0.75 * 1 * 1;
        double rxy = 0.5 + 0.75 * (7.0 / 3) * 1;
        double detR = rxx * ryy - rxy * rxy;   // the 2×2 determinant

        // Exact log Γ at the integers and half-integers that occur: Γ(3) = 2, Γ(3/2) = √π/2, Γ(7/2) = 15√π/8, Γ(2) = 1.
        double lgamma3 = Math.Log(2), lgamma15 = Math.Log(Math.Sqrt(Math.PI) / 2), lgamma35 = Math.Log(15 * Math.Sqrt(Math.PI) / 8), lgamma2 = 0;
        double common = 0.5 * (Math.Log(1) - Math.Log(3 + 1)) - 0.5 * 3 * Math.Log(Math.PI);
        // l = 0: lgamma((N + α_w − n + 1)/2) = lgamma(3), lgamma((α_w − n + 1)/2) = lgamma(1.5), ½(α_w − n + 1)·log t = 1.5·log 0.5;
        //        −½(N + α_w − n + 1)·log R_jj = −3·log R_jj.
        double gamma0 = common + lgamma3 - lgamma15 + 1.5 * Math.Log(0.5);
        double localX = gamma0 - 3 * Math.Log(rxx);
        double localY = gamma0 - 3 * Math.Log(ryy);
        // l = 1: lgamma((N + α_w − n + 2)/2) = lgamma(3.5), lgamma((α_w − n + 2)/2) = lgamma(2), ½(α_w − n + 3)·log t = 2.5·log 0.5;
        //        +½(N + α_w − n + 1)·log R_pp − ½(N + α_w − n + 2)·log det R = 3·log R_pp − 3.5·log det R.
        double gamma1 = common + lgamma35 - lgamma2 + 2.5 * Math.Log(0.5);
        double localYGivenX = gamma1 + 3 * Math.Log(rxx) - 3.5 * Math.Log(detR);
        double localXGivenY = gamma1 + 3 * Math.Log(ryy) - 3.5 * Math.Log(detR);

        var score = new BGeScore(HandData);
        Assert.AreEqual(0.5, score.T, 1e-15);
        Assert.AreEqual(4.0, score.AlphaW);
        Assert.AreEqual(rxx, score.ScatterMatrix(0, 0), 1e-12);
        Assert.AreEqual(rxy, score.ScatterMatrix(1, 0), 1e-12);
        Assert.AreEqual(localX, score.LocalScore(0, 0), 1e-12);
        Assert.AreEqual(localY, score.LocalScore(1, 0), 1e-12);
        Assert.AreEqual(localYGivenX, score.LocalScore(1, 0b01), 1e-12);
        Assert.AreEqual(localXGivenY, score.LocalScore(0, 0b10), 1e-12);
        Assert.AreEqual(localX + localY, score.EmptyGraphScore, 1e-12);
        Assert.AreEqual(localX + localYGivenX, score.Score([0, 1, 0, 0]), 1e-12);
        Assert.AreEqual(localY + localXGivenY, score.Score([0, 0, 1, 0]), 1e-12);
        Assert.AreEqual(localYGivenX - localY, score.RelativeScore([0, 1, 0, 0]), 1e-12);
        // Score equivalence X → Y ≡ Y → X follows from these formulas: both equal 2·gamma-terms − 3.5·log det R.
        Assert.AreEqual(localX + localYGivenX, localY + localXGivenY, 1e-12);
        // So Y → X has the log-reward of X → Y.
        Assert.AreEqual(localYGivenX - localY, score.RelativeScore([0, 0, 1, 0]), 1e-12);
    }

    private static BGeScore ThreeVariableScore()
    {
        var data = new LinearGaussianData(3, 2, 40, seed: 5, noise: 0.5);
        return new BGeScore(data.CopyData());
    }

    // Nodes a = 0, b = 1, c = 2; entry i·3 + j is the edge i → j.
    private static readonly int[] ChainABC = [0, 1, 0, 0, 0, 1, 0, 0, 0];        // a → b → c
    private static readonly int[] ChainCBA = [0, 0, 0, 1, 0, 0, 0, 1, 0];        // c → b → a
    private static readonly int[] ForkAtB = [0, 0, 0, 1, 0, 1, 0, 0, 0];         // a ← b → c
    private static readonly int[] Collider = [0, 1, 0, 0, 0, 0, 0, 1, 0];        // a → b ← c
    private static readonly int[] Complete1 = [0, 1, 1, 0, 0, 1, 0, 0, 0];       // a → b → c, a → c
    private static readonly int[] Complete2 = [0, 0, 0, 1, 0, 0, 1, 1, 0];       // c → b → a, c → a

    [TestMethod]
    public void MarkovEquivalentGraphsScoreEqually()
    {
        var score = ThreeVariableScore();
        double chain = score.Score(ChainABC);
        Assert.AreEqual(chain, score.Score(ChainCBA), 1e-9);
        Assert.AreEqual(chain, score.Score(ForkAtB), 1e-9);
        Assert.AreEqual(score.Score(Complete1), score.Score(Complete2), 1e-9);
        // The v-structure a → b ← c is in another equivalence class.
        Assert.IsTrue(Math.Abs(score.Score(Collider) - chain) > 1e-3, $"collider {score.Score(Collider)} vs chain {chain}");
        // Single edges: X → Y and Y → X.
        Assert.AreEqual(score.Score([0, 1, 0, 0, 0, 0, 0, 0, 0]), score.Score([0, 0, 0, 1, 0, 0, 0, 0, 0]), 1e-9);
    }

    [TestMethod]
    public void ScoreDecomposesOverNodes()
    {
        var score = ThreeVariableScore();
        Assert.AreEqual(score.LocalScore(0, 0) + score.LocalScore(1, 0b001) + score.LocalScore(2, 0b010), score.Score(ChainABC), 1e-12);
        Assert.AreEqual(score.LocalScore(1, 0b101) - score.LocalScore(1, 0), score.RelativeScore(Collider), 1e-12);
        Assert.AreEqual(score.Score(Collider) - score.EmptyGraphScore, score.RelativeScore(Collider), 1e-9);
        Assert.AreEqual(0.0, score.RelativeScore(new int[9]));
    }

    [TestMethod]
    public void ScatterMatrixUsesTheRawUncentredData()
    {
        // Shifting the data moves the mean term N·α_μ/(N + α_μ)·x̄x̄ᵀ but not the scatter: the score is not shift-invariant
        // (the authors' code feeds the raw data, no centring).
        var shifted = (double[,])HandData.Clone();
        for (int r = 0; r < 3; r++) shifted[r, 0] += 10;
        var a = new BGeScore(HandData);
        var b = new BGeScore(shifted);
        Assert.AreEqual(a.ScatterMatrix(1, 1), b.ScatterMatrix(1, 1), 1e-12);
        Assert.AreEqual(a.ScatterMatrix(0, 0) - 0.75 * (7.0 / 3) * (7.0 / 3) + 0.75 * (37.0 / 3) * (37.0 / 3), b.ScatterMatrix(0, 0), 1e-9);
        Assert.AreNotEqual(a.Score([0, 1, 0, 0]), b.Score([0, 1, 0, 0]), 1e-3);
    }

    [TestMethod]
    [DataRow(0.5, 0.5723649429247001)]     // log √π
    [DataRow(1.0, 0.0)]
    [DataRow(2.0, 0.0)]
    [DataRow(3.5, 1.2009736023470743)]     // log(15√π/8)
    [DataRow(10.0, 12.801827480081469)]    // log 9!
    [DataRow(52.5, 154.38281063467167)]
    [DataRow(100.0, 359.1342053695754)]    // log 99!
    public void LogGammaMatchesExactValues(double x, double expected)
    {
        Assert.AreEqual(expected, BGeMath.LogGamma(x), 1e-12 * Math.Max(1, Math.Abs(expected)));
    }

    [TestMethod]
    public void LogGammaAgreesWithLogFactorialsAndHalfIntegers()
    {
        double logFactorial = 0;   // log (k − 1)!
        for (int k = 1; k <= 120; k++)
        {
            if (k > 1) logFactorial += Math.Log(k - 1);
            Assert.AreEqual(logFactorial, BGeMath.LogGamma(k), 1e-13 * Math.Max(1, logFactorial), $"Γ({k})");
        }
        // Γ(k + ½) = √π·(2k)!/(4^k·k!).
        double logHalf = 0.5 * Math.Log(Math.PI);   // Γ(½)
        for (int k = 0; k < 120; k++)
        {
            Assert.AreEqual(logHalf, BGeMath.LogGamma(k + 0.5), 1e-13 * Math.Max(1, logHalf), $"Γ({k} + ½)");
            logHalf += Math.Log(k + 0.5);
        }
    }

    [TestMethod]
    public void LogDeterminantByCholesky()
    {
        double[] m = [4, 2, 0.5, 2, 3, 0.25, 0.5, 0.25, 2];
        // det = 4(3·2 − 0.0625) − 2(2·2 − 0.125) + 0.5(0.5 − 1.5) = 23.75 − 7.75 − 0.5 = 15.5.
        Assert.AreEqual(Math.Log(15.5), BGeMath.LogDeterminant(m, 3, [0, 1, 2]), 1e-13);
        Assert.AreEqual(Math.Log(4 * 2 - 0.25), BGeMath.LogDeterminant(m, 3, [2, 0]), 1e-13);
        Assert.AreEqual(0.0, BGeMath.LogDeterminant(m, 3, []));
        Assert.ThrowsExactly<InvalidOperationException>(() => BGeMath.LogDeterminant([1, 2, 2, 1], 2, [0, 1]));
    }

    [TestMethod]
    public void BadInputIsRejectedWithRowAndColumn()
    {
        var nan = new double[,] { { 1, 2 }, { 3, double.NaN }, { 0, 0 } };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new BGeScore(nan)).Message, "row 1, column 1");
        var inf = new double[,] { { double.PositiveInfinity, 2 }, { 3, 1 } };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new BGeScore(inf)).Message, "row 0, column 0");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new BGeScore(new double[1, 3])).Message, "at least 2 rows");
        Assert.ThrowsExactly<ArgumentException>(() => new BGeScore(new double[5, 0]));
        var huge = new double[,] { { 1e200, -2e200 }, { -3e200, 1e200 }, { 2e200, 5e199 } };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new BGeScore(huge)).Message,
            "scatter matrix of the data overflows: the data's largest |value| is 3E+200; standardise each column");
        var duplicate = new double[,] { { 1e12, 1e12 }, { -2e12, -2e12 }, { 3e12, 3e12 } }; // t·I is lost at this scale
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new BGeScore(duplicate)).Message,
            "is not numerically positive definite");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BGeScore(HandData, alphaMu: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new BGeScore(HandData, alphaW: 3));   // needs > n + 1 = 3
        var score = new BGeScore(HandData);
        Assert.ThrowsExactly<ArgumentException>(() => score.LocalScore(1, 0b10));               // own parent
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => score.LocalScore(2, 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => score.LocalScore(0, 0b100));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => score.Score([0, 1, 1, 0])).Message, "cycle");
        Assert.ThrowsExactly<ArgumentException>(() => score.Score([1, 0, 0, 0]));
        Assert.ThrowsExactly<ArgumentException>(() => score.Score([0, 1, 0]));
    }

    [TestMethod]
    public void ConcurrentReadsAgree()
    {
        var data = new LinearGaussianData(8, 8, 50, seed: 2);
        var score = new BGeScore(data.CopyData());
        var fresh = new BGeScore(data.CopyData());
        var results = new double[128];
        Parallel.For(0, 128, mask => results[mask] = score.LocalScore(0, mask << 1));
        for (int mask = 0; mask < 128; mask++) Assert.AreEqual(fresh.LocalScore(0, mask << 1), results[mask]);
    }
}
