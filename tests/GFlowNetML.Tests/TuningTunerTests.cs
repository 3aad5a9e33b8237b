using GFlowNetML.Trainers;
using GFlowNetML.Tuning;

namespace GFlowNetML.Tests;

/// <summary>The tuners, driven with synthetic losses (no training): proposals in range and deterministic by seed, the grid
/// covers its points, and CFO's step follows its rules.</summary>
[TestClass]
public sealed class TuningTunerTests
{
    private static readonly SearchSpace Space = SearchSpace.For<PolicyGradientOptions>();

    private static List<double[]> Proposals(ITuner tuner, int n, Func<double[], double>? loss = null)
    {
        var points = new List<double[]>();
        for (int i = 0; i < n; i++)
        {
            var settings = new TrialSettings(i);
            var point = tuner.Propose(settings);
            points.Add(point);
            tuner.Update(new TrialResult(settings, point, loss?.Invoke(point) ?? 1.0, 0));
        }
        return points;
    }

    private static void AssertInUnitCube(IEnumerable<double[]> points, int dimensions)
    {
        foreach (var p in points)
        {
            Assert.HasCount(dimensions, p);
            foreach (var x in p) Assert.IsTrue(x >= 0 && x <= 1, $"coordinate {x} outside [0, 1]");
        }
    }

    private static string Key(double[] p) => string.Join(",", p.Select(x => x.ToString("R")));

    [TestMethod]
    public void RandomSearchIsUniformInRangeAndDeterministicBySeed()
    {
        var a = Proposals(new RandomSearchTuner(Space, seed: 7), 500);
        var b = Proposals(new RandomSearchTuner(Space, seed: 7), 500);
        var c = Proposals(new RandomSearchTuner(Space, seed: 8), 500);
        AssertInUnitCube(a, 8);
        CollectionAssert.AreEqual(a.Select(Key).ToArray(), b.Select(Key).ToArray());
        Assert.AreNotEqual(Key(a[0]), Key(c[0]));
        // Uniform: each coordinate's mean is ½ ± 4 standard errors (1/√(12·500) = 0.0129), and every option value is valid.
        for (int d = 0; d < 8; d++) Assert.AreEqual(0.5, a.Average(p => p[d]), 4 * 0.0129, Space.Dimensions[d].Name);
        foreach (var p in a)
        {
            var options = Space.Sample(p, new PolicyGradientOptions());
            Assert.IsTrue(options.LearningRate >= 1e-4 && options.LearningRate <= 1e-2);
            Assert.IsTrue(options.HiddenLayers is >= 1 and <= 4);
            Assert.IsTrue(options.BatchSize is >= 16 and <= 512);
        }
        var widths = a.Select(p => (int)Space.Dimensions[5].ToValue(p[5])).GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count());
        CollectionAssert.AreEquivalent(new[] { 32, 64, 128, 256 }, widths.Keys.ToArray());
        foreach (var count in widths.Values) Assert.AreEqual(125, count, 45, "each width about a quarter of the time");
    }

    [TestMethod]
    public void GridSearchWalksEveryPointOnceThenStartsOver()
    {
        var space = SearchSpace.For<PolicyGradientOptions>("Iterations", "BatchSize", "LogZLearningRate", "HiddenLayers", "CriticLearningRate");
        // LearningRate (range), HiddenWidth (4 choices), Lambda (range): 3 · 4 · 3 points.
        var tuner = new GridSearchTuner(space, steps: 3);
        Assert.AreEqual(36L, tuner.PointCount);
        var points = Proposals(tuner, 37);
        AssertInUnitCube(points, 3);
        Assert.HasCount(36, points.Take(36).Select(Key).Distinct().ToArray());
        Assert.AreEqual(Key(points[0]), Key(points[36]), "the 37th point is the first again");
        CollectionAssert.AreEqual(new[] { 0.0, 0.125, 0.0 }, points[0]);
        CollectionAssert.AreEqual(new[] { 0.0, 0.125, 0.5 }, points[1], "the last dimension moves fastest");
        CollectionAssert.AreEqual(new[] { 1.0, 0.875, 1.0 }, points[35]);
        var values = points.Take(36).Select(p => space.Sample(p, new PolicyGradientOptions())).ToArray();
        CollectionAssert.AreEquivalent(new[] { 1e-4, 1e-3, 1e-2 }, values.Select(o => Math.Round(o.LearningRate, 10)).Distinct().ToArray());
        CollectionAssert.AreEquivalent(new[] { 32, 64, 128, 256 }, values.Select(o => o.HiddenWidth).Distinct().ToArray());
        CollectionAssert.AreEquivalent(new[] { 0.8, 0.9, 1.0 }, values.Select(o => Math.Round(o.Lambda, 10)).Distinct().ToArray());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GridSearchTuner(space, steps: 1));
        Assert.AreEqual(1L, new GridSearchTuner(SearchSpace.For<PolicyGradientOptions>(Space.Dimensions.Select(d => d.Name).ToArray())).PointCount);
    }

    [TestMethod]
    public void CostFrugalStartsAtTheDefaultPointWithStepOneTenthRootD()
    {
        var tuner = new CostFrugalTuner(Space, seed: 1);
        Assert.AreEqual(0.1 * Math.Sqrt(8), tuner.StepSize, 1e-15);
        var first = tuner.Propose(new TrialSettings(0));
        CollectionAssert.AreEqual(Space.Default, first);
        Assert.IsNull(tuner.Incumbent);
        tuner.Update(new TrialResult(new TrialSettings(0), first, 5.0, 0));
        CollectionAssert.AreEqual(first, tuner.Incumbent!.ToArray());
        Assert.AreEqual(5.0, tuner.IncumbentLoss);
    }

    [TestMethod]
    public void CostFrugalTriesPlusThenMinusAndGrowsTheStepOnImprovement()
    {
        var start = new[] { 0.5, 0.5, 0.5, 0.5 };
        var tuner = new CostFrugalTuner(start, seed: 3);
        Assert.AreEqual(0.2, tuner.StepSize, 1e-15);
        Step(tuner, 0, 10.0);

        var plus = tuner.Propose(new TrialSettings(1));
        Assert.AreEqual(0.2, Distance(plus, start), 1e-12, "incumbent + step·u with u a unit direction");
        tuner.Update(new TrialResult(new TrialSettings(1), plus, 11.0, 0)); // a miss
        Assert.AreEqual(1, tuner.ConsecutiveMisses);
        var minus = tuner.Propose(new TrialSettings(2));
        for (int i = 0; i < 4; i++) Assert.AreEqual(2 * start[i], plus[i] + minus[i], 1e-12, "then incumbent − step·u");
        tuner.Update(new TrialResult(new TrialSettings(2), minus, 9.0, 0)); // an improvement
        CollectionAssert.AreEqual(minus, tuner.Incumbent!.ToArray());
        Assert.AreEqual(9.0, tuner.IncumbentLoss);
        Assert.AreEqual(0.25, tuner.StepSize, 1e-15, "the step grows by 1.25");
        Assert.AreEqual(0, tuner.ConsecutiveMisses);

        var next = tuner.Propose(new TrialSettings(3));
        Assert.AreEqual(0.25, Distance(next, minus), 1e-12, "a new direction at the grown step (no clamping this close to the middle)");
        // The step never passes √d.
        for (int i = 4; i < 16; i++) Step(tuner, i, 9.0 - i);
        Assert.AreEqual(2.0, tuner.StepSize, 1e-15);
    }

    [TestMethod]
    public void CostFrugalHalvesTheStepAfterTwoDMissesAndRestartsBelowTenToTheMinusFour()
    {
        var start = new[] { 0.5, 0.5, 0.5, 0.5 };
        var tuner = new CostFrugalTuner(start, seed: 3);
        Step(tuner, 0, 1.0);
        int id = 1;
        for (int i = 0; i < 7; i++) Step(tuner, id++, 2.0);
        Assert.AreEqual(0.2, tuner.StepSize, 1e-15, "7 misses < 2d = 8");
        Assert.AreEqual(7, tuner.ConsecutiveMisses);
        Step(tuner, id++, double.PositiveInfinity); // a failed trial is a miss too
        Assert.AreEqual(0.1, tuner.StepSize, 1e-15, "halved after 8 misses");
        Assert.AreEqual(0, tuner.ConsecutiveMisses);
        // 0.2 / 2^10 = 1.95e-4 ≥ 1e-4; 0.2 / 2^11 = 9.8e-5 < 1e-4 restarts: 80 more misses.
        for (int i = 0; i < 9 * 8; i++) Step(tuner, id++, 2.0);
        Assert.AreEqual(0.2 / 1024, tuner.StepSize, 1e-15);
        Assert.AreEqual(0, tuner.Restarts);
        for (int i = 0; i < 8; i++) Step(tuner, id++, 2.0);
        Assert.AreEqual(1, tuner.Restarts);
        Assert.AreEqual(0.2, tuner.StepSize, 1e-15, "the step is reset");
        Assert.IsNull(tuner.Incumbent);
        var restart = tuner.Propose(new TrialSettings(id));
        AssertInUnitCube([restart], 4);
        Assert.IsGreaterThan(1e-3, Distance(restart, start), "a random restart point");
        tuner.Update(new TrialResult(new TrialSettings(id), restart, 3.0, 0));
        Assert.AreEqual(3.0, tuner.IncumbentLoss, "the restart point is the new incumbent whatever its loss");
    }

    [TestMethod]
    public void CostFrugalIsDeterministicBySeedAndMinimisesAQuadratic()
    {
        double[] centre = [0.2, 0.7, 0.9, 0.35, 0.6, 0.1, 0.5, 0.8];
        double Loss(double[] p) => p.Zip(centre, (x, c) => (x - c) * (x - c)).Sum();
        var a = Proposals(new CostFrugalTuner(Space, seed: 11), 300, Loss);
        var b = Proposals(new CostFrugalTuner(Space, seed: 11), 300, Loss);
        var c = Proposals(new CostFrugalTuner(Space, seed: 12), 300, Loss);
        AssertInUnitCube(a, 8);
        CollectionAssert.AreEqual(a.Select(Key).ToArray(), b.Select(Key).ToArray());
        Assert.AreNotEqual(Key(a[1]), Key(c[1]));
        Assert.AreEqual(Key(a[0]), Key(c[0]), "both start at the default point");
        double start = Loss(a[0]), best = a.Min(Loss);
        Assert.IsLessThan(2e-3, best, $"from {start:F3} at the default point");
    }

    [TestMethod]
    public void CostFrugalIgnoresResultsOfOtherTrials()
    {
        var tuner = new CostFrugalTuner([0.5, 0.5], seed: 0);
        var p = tuner.Propose(new TrialSettings(0));
        tuner.Update(new TrialResult(new TrialSettings(5), p, 1.0, 0));
        Assert.IsNull(tuner.Incumbent);
        tuner.Update(new TrialResult(new TrialSettings(0), p, 1.0, 0));
        Assert.IsNotNull(tuner.Incumbent);
    }

    private static void Step(CostFrugalTuner tuner, int id, double loss)
    {
        var settings = new TrialSettings(id);
        tuner.Update(new TrialResult(settings, tuner.Propose(settings), loss, 0));
    }

    private static double Distance(double[] a, double[] b) => Math.Sqrt(a.Zip(b, (x, y) => (x - y) * (x - y)).Sum());
}
