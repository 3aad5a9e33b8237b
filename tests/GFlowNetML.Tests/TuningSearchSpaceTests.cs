using GFlowNetML.Trainers;
using GFlowNetML.Tuning;
using Microsoft.ML.SearchSpace;

namespace GFlowNetML.Tests;

/// <summary>The search space read from the Options' <c>[Range]</c>/<c>[Choice]</c>/<c>[BooleanChoice]</c> attributes and its
/// map to [0, 1]: linear and log ranges, integers rounded, choices floored, the default point.</summary>
[TestClass]
public sealed class TuningSearchSpaceTests
{
    public enum Shape
    {
        Square,
        Circle,
        Triangle,
    }

    public sealed class ToyOptions
    {
        [Range(0.0, 10.0)]
        public double NoInit = 3;

        [BooleanChoice(true)]
        public bool Flag;

        [BooleanChoice]
        public bool Other;

        [Choice(new object[] { "Circle", "Triangle" })]
        public Shape Shape;

        [Range(1, 9, 5, false)]
        public int Count { get; set; } = 5;

        public double NotTuned = 7;
    }

    public sealed class BadLogOptions
    {
        [Range(0.0, 1.0, 0.5, true)]
        public double Rate;
    }

    public sealed class BadInitOptions
    {
        [Choice(new object[] { 1, 2 }, 3)]
        public int Width;
    }

    [TestMethod]
    public void ThePolicyGradientSpaceListsItsAttributedOptionsBaseClassFirst()
    {
        var space = SearchSpace.For<PolicyGradientOptions>();
        CollectionAssert.AreEqual(new[] { "Iterations", "BatchSize", "LearningRate", "LogZLearningRate", "HiddenLayers", "HiddenWidth", "Lambda", "CriticLearningRate" },
            space.Dimensions.Select(d => d.Name).ToArray());
        var lr = space.Dimensions[2];
        Assert.AreEqual(SearchDimensionKind.Range, lr.Kind);
        Assert.IsTrue(lr.LogBase);
        Assert.AreEqual(1e-4, lr.Min);
        Assert.AreEqual(1e-2, lr.Max);
        var width = space.Dimensions[5];
        Assert.AreEqual(SearchDimensionKind.Choice, width.Kind);
        CollectionAssert.AreEqual(new object[] { 32, 64, 128, 256 }, width.Choices.ToArray());
        CollectionAssert.AreEqual(new[] { "Iterations", "BatchSize", "LearningRate", "LogZLearningRate", "HiddenLayers", "HiddenWidth", "Epsilon" },
            SearchSpace.For<TrajectoryBalanceOptions>().Dimensions.Select(d => d.Name).ToArray());
        Assert.AreEqual(8, SearchSpace.For<SubTrajectoryBalanceOptions>().Count, "SubTrajectoryLambda is the eighth");
    }

    [TestMethod]
    public void TheDefaultPointMapsTheAttributesInitValues()
    {
        var space = SearchSpace.For<PolicyGradientOptions>();
        double[] expected =
        [
            Math.Log(10) / Math.Log(200), // Iterations 1000 in log [100, 20000]
            Math.Log(4) / Math.Log(32),   // BatchSize 64 in log [16, 512] = 0.4
            0.5,                          // LearningRate 1e-3 in log [1e-4, 1e-2]
            2.0 / 3,                      // LogZLearningRate 0.1 in log [1e-3, 1]
            1.0 / 3,                      // HiddenLayers 2 in [1, 4]
            0.375,                        // HiddenWidth 64, the 2nd of 4 choices: the middle of [0.25, 0.5)
            0.95,                         // Lambda 0.99 in [0.8, 1]
            Math.Log(50) / Math.Log(1000), // CriticLearningRate 5e-3 in log [1e-4, 1e-1]
        ];
        var point = space.Default;
        Assert.HasCount(expected.Length, point);
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], point[i], 1e-12, space.Dimensions[i].Name);

        var options = space.Sample(point, new PolicyGradientOptions { Iterations = 5, BatchSize = 3, HiddenWidth = 16, Lambda = 0.5 });
        Assert.AreEqual(1000, options.Iterations);
        Assert.AreEqual(64, options.BatchSize);
        Assert.AreEqual(1e-3, options.LearningRate, 1e-15);
        Assert.AreEqual(0.1, options.LogZLearningRate, 1e-15);
        Assert.AreEqual(2, options.HiddenLayers);
        Assert.AreEqual(64, options.HiddenWidth);
        Assert.AreEqual(0.99, options.Lambda, 1e-15);
        Assert.AreEqual(5e-3, options.CriticLearningRate, 1e-15);
        CollectionAssert.AreEqual(point.Select(x => Math.Round(x, 12)).ToArray(), space.ToUnit(options).Select(x => Math.Round(x, 12)).ToArray());
    }

    [TestMethod]
    public void LogAndLinearRangesRoundTrip()
    {
        var space = SearchSpace.For<PolicyGradientOptions>();
        var lr = space.Dimensions.Single(d => d.Name == "LearningRate");
        Assert.AreEqual(1e-4 * Math.Pow(100, 0.25), (double)lr.ToValue(0.25), 1e-15);
        Assert.AreEqual(1e-4, (double)lr.ToValue(0), 1e-18);
        Assert.AreEqual(1e-2, (double)lr.ToValue(1), 1e-16);
        var lambda = space.Dimensions.Single(d => d.Name == "Lambda");
        Assert.AreEqual(0.86, (double)lambda.ToValue(0.3), 1e-14);
        foreach (double u in new[] { 0.0, 0.1, 0.37, 0.5, 0.83, 1.0 })
        {
            Assert.AreEqual(u, lr.ToUnit(lr.ToValue(u)), 1e-12, $"log, u = {u}");
            Assert.AreEqual(u, lambda.ToUnit(lambda.ToValue(u)), 1e-12, $"linear, u = {u}");
        }
        // Outside [0, 1] clamps to the ends, both ways.
        Assert.AreEqual(1e-2, (double)lr.ToValue(1.5), 1e-16);
        Assert.AreEqual(0.8, (double)lambda.ToValue(-3), 1e-15);
        Assert.AreEqual(1.0, lambda.ToUnit(2.0));
        Assert.AreEqual(0.0, lr.ToUnit(1e-9));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => lr.ToValue(double.NaN));
    }

    [TestMethod]
    public void IntegerRangesRoundToTheNearestInteger()
    {
        var space = SearchSpace.For<PolicyGradientOptions>();
        var layers = space.Dimensions.Single(d => d.Name == "HiddenLayers"); // [1, 4] linear
        Assert.AreEqual(3, layers.ToValue(0.5));   // 2.5 rounds up
        Assert.AreEqual(2, layers.ToValue(0.49));  // 2.47
        Assert.AreEqual(1, layers.ToValue(0.16));  // 1.48
        Assert.AreEqual(4, layers.ToValue(1.0));
        var batch = space.Dimensions.Single(d => d.Name == "BatchSize"); // log [16, 512]
        Assert.AreEqual(91, batch.ToValue(0.5)); // 16·√32 = 90.51
        Assert.AreEqual(typeof(int), batch.ToValue(0.5).GetType());
    }

    [TestMethod]
    public void ChoicesAreUniformOnEqualPartsOfTheUnitIntervalFloored()
    {
        var width = SearchSpace.For<PolicyGradientOptions>().Dimensions.Single(d => d.Name == "HiddenWidth");
        var cases = new (double U, int Width)[] { (0, 32), (0.2499, 32), (0.25, 64), (0.4999, 64), (0.5, 128), (0.74, 128), (0.75, 256), (0.999, 256), (1.0, 256) };
        foreach (var (u, expected) in cases) Assert.AreEqual(expected, width.ToValue(u), $"u = {u}");
        CollectionAssert.AreEqual(new[] { 0.125, 0.375, 0.625, 0.875 }, new object[] { 32, 64, 128, 256 }.Select(width.ToUnit).ToArray());
        var e = Assert.ThrowsExactly<ArgumentException>(() => width.ToUnit(48));
        StringAssert.Contains(e.Message, "'HiddenWidth' is 48, which is not one of its choices: 32, 64, 128, 256.");
    }

    [TestMethod]
    public void BooleanEnumAndPropertyOptionsAreRead()
    {
        var space = SearchSpace.For<ToyOptions>();
        CollectionAssert.AreEqual(new[] { "NoInit", "Flag", "Other", "Shape", "Count" }, space.Dimensions.Select(d => d.Name).ToArray());
        Assert.AreEqual(0.0, space.Dimensions[0].DefaultValue, "a range without init starts at its low end");
        Assert.AreEqual(true, space.Dimensions[1].DefaultValue);
        CollectionAssert.AreEqual(new[] { 0.0, 0.75, 0.75, 0.25, 0.5 }, space.Default, "[BooleanChoice] without a default defaults to true");
        var options = space.Sample([0.5, 0.4, 0.6, 0.9, 0.25], new ToyOptions { NotTuned = 11 });
        Assert.AreEqual(5.0, options.NoInit);
        Assert.IsFalse(options.Flag);
        Assert.IsTrue(options.Other);
        Assert.AreEqual(Shape.Triangle, options.Shape);
        Assert.AreEqual(3, options.Count);
        Assert.AreEqual(11, options.NotTuned);
    }

    [TestMethod]
    public void SampleCopiesTheBaseOptionsAndLeavesThemUnchanged()
    {
        var space = SearchSpace.For<PolicyGradientOptions>("Iterations", "batchsize");
        CollectionAssert.AreEqual(new[] { "LearningRate", "LogZLearningRate", "HiddenLayers", "HiddenWidth", "Lambda", "CriticLearningRate" }, space.Dimensions.Select(d => d.Name).ToArray());
        var task = GFlowNetTask.HyperGrid(2, 4);
        var baseOptions = new PolicyGradientOptions { Task = task, Iterations = 30, BatchSize = 8, Variant = PolicyGradientVariant.Backward, EvalEvery = 7, HiddenWidth = 16, Seed = 4 };
        var copy = space.Sample([1, 1, 1, 1, 1, 1], baseOptions);
        Assert.AreNotSame(baseOptions, copy);
        Assert.AreSame(task, copy.Task);
        Assert.AreEqual(30, copy.Iterations);
        Assert.AreEqual(8, copy.BatchSize);
        Assert.AreEqual(PolicyGradientVariant.Backward, copy.Variant);
        Assert.AreEqual(7, copy.EvalEvery);
        Assert.AreEqual(4L, copy.Seed);
        Assert.AreEqual(256, copy.HiddenWidth);
        Assert.AreEqual(16, baseOptions.HiddenWidth, "the base options are not changed");
        Assert.AreEqual(1e-3, baseOptions.LearningRate);

        Assert.AreEqual(4, space.Without("Lambda", "CriticLearningRate").Count);
        Assert.AreEqual(8, new SearchSpace(typeof(PolicyGradientOptions)).Count);
    }

    [TestMethod]
    public void BadInputThrowsNamingTheOption()
    {
        var space = SearchSpace.For<PolicyGradientOptions>();
        var e = Assert.ThrowsExactly<ArgumentException>(() => SearchSpace.For<PolicyGradientOptions>("Depth"));
        StringAssert.StartsWith(e.Message, "'Depth' is not a tunable option of PolicyGradientOptions; tunable: Iterations, BatchSize, LearningRate, LogZLearningRate, HiddenLayers, HiddenWidth, Lambda, CriticLearningRate.");
        e = Assert.ThrowsExactly<ArgumentException>(() => space.Sample([0.5], new PolicyGradientOptions()));
        StringAssert.StartsWith(e.Message, "The point has 1 coordinates; the search space of PolicyGradientOptions has 8");
        var nan = space.Default;
        nan[4] = double.NaN;
        e = Assert.ThrowsExactly<ArgumentException>(() => space.Sample(nan, new PolicyGradientOptions()));
        StringAssert.StartsWith(e.Message, "Coordinate 4 (HiddenLayers) of the point is NaN");
        e = Assert.ThrowsExactly<ArgumentException>(() => space.Sample(SearchSpace.For<TrajectoryBalanceOptions>().Default, (GFlowNetSamplerOptions)new TrajectoryBalanceOptions()));
        StringAssert.StartsWith(e.Message, "The options are a TrajectoryBalanceOptions; this search space was read from PolicyGradientOptions.");
        e = Assert.ThrowsExactly<ArgumentException>(() => SearchSpace.For<BadLogOptions>());
        StringAssert.StartsWith(e.Message, "[Range] on 'Rate' is logarithmic, so min must be greater than 0; got 0.");
        e = Assert.ThrowsExactly<ArgumentException>(() => SearchSpace.For<BadInitOptions>());
        StringAssert.StartsWith(e.Message, "[Choice] on 'Width': the default 3 is not one of the candidates.");
    }
}
