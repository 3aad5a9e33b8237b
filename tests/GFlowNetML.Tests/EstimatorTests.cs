using System.Reflection;
using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Rewards;
using GFlowNetML.Trainers;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GFlowNetML.Tests;

[TestClass]
[DoNotParallelize]
public sealed class EstimatorTests
{
    public sealed class SeedRow
    {
        public int Seed { get; set; }
    }

    public sealed class TextSeedRow
    {
        public string Seed { get; set; } = "";
    }

    public sealed class GridOutput
    {
        [VectorType(2)]
        public float[] Sample { get; set; } = [];
        [VectorType(1)]
        public float[] LogReward { get; set; } = [];
        [VectorType(1)]
        public float[] LogProbability { get; set; } = [];
    }

    public sealed class TableRow
    {
        public string Sequence { get; set; } = "";
        public double Score { get; set; }
        public long Seed { get; set; }
    }

    private static PolicyGradientOptions Small(GFlowNetTask? task = null, int iterations = 40) => new()
    {
        Task = task ?? GFlowNetTask.HyperGrid(2, 4), Iterations = iterations, BatchSize = 16, HiddenLayers = 1, HiddenWidth = 16, EvalEvery = 10, Seed = 3,
    };

    private static IDataView Seeds(MLContext ml, int n = 20) => ml.Data.LoadFromEnumerable(Enumerable.Range(0, n).Select(i => new SeedRow { Seed = i * 3 }));

    internal static SchemaShape Shape(DataViewSchema schema)
        => (SchemaShape)typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, [typeof(DataViewSchema)])!.Invoke(null, [schema])!;

    private static (float[] Samples, float[] LogRewards, float[] LogProbabilities) Columns(IDataView view)
        => (view.GetColumn<float[]>("Sample").SelectMany(x => x).ToArray(), view.GetColumn<float[]>("LogReward").Select(v => v[0]).ToArray(), view.GetColumn<float[]>("LogProbability").Select(v => v[0]).ToArray());

    [TestMethod]
    public void OutputSchemaStatesTheSampleColumns()
    {
        var ml = new MLContext(1);
        var estimator = ml.GFlowNet().Trainers.PolicyGradient(Small());
        var shape = estimator.GetOutputSchema(Shape(Seeds(ml).Schema));
        var names = shape.Select(c => c.Name).ToArray();
        CollectionAssert.AreEqual(new[] { "Seed", "Sample", "LogReward", "LogProbability" }, names);
        var sample = shape.Single(c => c.Name == "Sample");
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, sample.Kind);
        Assert.AreEqual(NumberDataViewType.Single, sample.ItemType);
        Assert.AreEqual(NumberDataViewType.Single, shape.Single(c => c.Name == "LogReward").ItemType);
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, shape.Single(c => c.Name == "LogProbability").Kind);

        var model = estimator.Fit(Seeds(ml));
        var schema = model.GetOutputSchema(Seeds(ml).Schema);
        Assert.AreEqual("Vector<Single, 2>", schema["Sample"].Type.ToString());
        Assert.AreEqual("Vector<Single, 1>", schema["LogReward"].Type.ToString());
        Assert.AreEqual("Vector<Single, 1>", schema["LogProbability"].Type.ToString());
        Assert.IsNull(schema.GetColumnOrNull(GFlowNetSamplerEstimator.RowSeedColumn));
    }

    [TestMethod]
    public void AMissingOrMistypedSeedColumnThrowsFromGetOutputSchemaAndFit()
    {
        var ml = new MLContext(1);
        var estimator = ml.GFlowNet().Trainers.PolicyGradient(Small());
        var noSeed = ml.Data.LoadFromEnumerable(new[] { new TableRow() }).Schema;
        var missing = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 3).Select(i => new GridOutput()));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(Shape(missing.Schema)));
        StringAssert.StartsWith(e.Message, "Could not find seed column 'Seed'");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(missing));
        StringAssert.StartsWith(e.Message, "Could not find seed column 'Seed'");

        var text = ml.Data.LoadFromEnumerable(new[] { new TextSeedRow { Seed = "1" } });
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(Shape(text.Schema)));
        StringAssert.StartsWith(e.Message, "Schema mismatch for seed column 'Seed': expected a numeric scalar, got String");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(text));
        StringAssert.StartsWith(e.Message, "Schema mismatch for seed column 'Seed': expected a numeric scalar, got String");
        Assert.IsNotNull(noSeed);
    }

    [TestMethod]
    public void AMissingOrMistypedRewardColumnThrowsFromGetOutputSchemaAndFit()
    {
        var ml = new MLContext(1);
        var estimator = ml.GFlowNet().Trainers.TrajectoryBalance(Task(ml, "Measured"), iterations: 5);
        var data = TableView(ml);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(Shape(data.Schema)));
        StringAssert.StartsWith(e.Message, "Could not find score column 'Measured'");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        StringAssert.StartsWith(e.Message, "Could not find score column 'Measured'");

        var wrong = ml.GFlowNet().Trainers.TrajectoryBalance(GFlowNetTask.SequenceTable(2, scoreColumnName: "Sequence"), iterations: 5);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => wrong.GetOutputSchema(Shape(data.Schema)));
        StringAssert.StartsWith(e.Message, "Schema mismatch for score column 'Sequence': expected Single or Double, got String");
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => wrong.Fit(data));
        StringAssert.StartsWith(e.Message, "Schema mismatch for score column 'Sequence': expected Single or Double, got String");
    }

    private static GFlowNetTask Task(MLContext ml, string score = "Score") => GFlowNetTask.SequenceTable(2, scoreColumnName: score, options: new SequenceTableOptions { Alpha = 1, ModeFraction = 0.25 });

    private static readonly SequenceRewardTable Table = new SyntheticBindingLandscape(tokens: 2, length: 3, motifs: 1, seed: 5).ToTable(new SequenceTableOptions { Alpha = 1, ModeFraction = 0.25 });

    private static IDataView TableView(MLContext ml)
    {
        var scores = new SyntheticBindingLandscape(tokens: 2, length: 3, motifs: 1, seed: 5).Scores();
        var rows = new List<TableRow>();
        var x = new int[3];
        for (int i = 0; i < scores.Length; i++)
        {
            for (int p = 2, v = i; p >= 0; p--, v /= 2) x[p] = v % 2;
            rows.Add(new TableRow { Sequence = Table.Format(x), Score = scores[i], Seed = 100 + i });
        }
        return ml.Data.LoadFromEnumerable(rows);
    }

    [TestMethod]
    public void FitSaveLoadGivesIdenticalOutputsInAFreshContext()
    {
        var ml = new MLContext(1);
        var model = ml.GFlowNet().Trainers.PolicyGradient(Small()).Fit(Seeds(ml));
        var before = Columns(model.Transform(Seeds(ml)));
        var again = Columns(model.Transform(Seeds(ml)));
        CollectionAssert.AreEqual(before.Samples, again.Samples, "Transform is deterministic");

        using var stream = new MemoryStream();
        ml.Model.Save(model, Seeds(ml).Schema, stream);
        stream.Position = 0;
        var fresh = new MLContext(99);
        var loaded = fresh.Model.Load(stream, out var inputSchema);
        Assert.AreEqual("Seed", inputSchema[0].Name);
        var after = Columns(loaded.Transform(Seeds(fresh)));
        CollectionAssert.AreEqual(before.Samples, after.Samples);
        CollectionAssert.AreEqual(before.LogRewards, after.LogRewards);
        CollectionAssert.AreEqual(before.LogProbabilities, after.LogProbabilities);

        // Every sample is a grid cell with its true log-reward; the 20 rows do not all draw the same cell.
        var env = new HyperGrid(2, 4);
        var expected = new double[1];
        for (int i = 0; i < 20; i++)
        {
            env.LogReward([(int)before.Samples[2 * i], (int)before.Samples[2 * i + 1]], expected);
            Assert.AreEqual(expected[0], before.LogRewards[i], 1e-5);
            Assert.IsLessThanOrEqualTo(0f, before.LogProbabilities[i]);
        }
        Assert.IsGreaterThan(3, Enumerable.Range(0, 20).Select(i => (before.Samples[2 * i], before.Samples[2 * i + 1])).Distinct().Count());
    }

    [TestMethod]
    public void TheSameSeedGivesTheSameSamplerAndAnotherSeedAnotherOne()
    {
        var a = Columns(new MLContext(1).GFlowNet().Trainers.PolicyGradient(Small()).Fit(Seeds(new MLContext(1))).Transform(Seeds(new MLContext(1))));
        var b = Columns(new MLContext(2).GFlowNet().Trainers.PolicyGradient(Small()).Fit(Seeds(new MLContext(2))).Transform(Seeds(new MLContext(2))));
        CollectionAssert.AreEqual(a.LogProbabilities, b.LogProbabilities, "Options.Seed fixes everything");
        var options = Small();
        options.Seed = null;
        var c = Columns(new MLContext(1).GFlowNet().Trainers.PolicyGradient(options).Fit(Seeds(new MLContext(1))).Transform(Seeds(new MLContext(1))));
        var d = Columns(new MLContext(1).GFlowNet().Trainers.PolicyGradient(options).Fit(Seeds(new MLContext(1))).Transform(Seeds(new MLContext(1))));
        var e = Columns(new MLContext(7).GFlowNet().Trainers.PolicyGradient(options).Fit(Seeds(new MLContext(7))).Transform(Seeds(new MLContext(7))));
        CollectionAssert.AreEqual(c.LogProbabilities, d.LogProbabilities, "the MLContext seed fixes the fit");
        CollectionAssert.AreNotEqual(c.LogProbabilities, e.LogProbabilities);
    }

    [TestMethod]
    public void PredictionEngineEqualsTransform()
    {
        var ml = new MLContext(1);
        var model = ml.GFlowNet().Trainers.PolicyGradient(Small()).Fit(Seeds(ml));
        var transformed = Columns(model.Transform(Seeds(ml)));
        var engine = ml.Model.CreatePredictionEngine<SeedRow, GridOutput>(model);
        for (int i = 0; i < 20; i++)
        {
            var p = engine.Predict(new SeedRow { Seed = i * 3 });
            CollectionAssert.AreEqual(transformed.Samples[(2 * i)..(2 * i + 2)], p.Sample);
            Assert.AreEqual(transformed.LogRewards[i], p.LogReward[0]);
            Assert.AreEqual(transformed.LogProbabilities[i], p.LogProbability[0]);
        }
    }

    [TestMethod]
    public void APipelineWithTheGFlowNetStepBetweenMLNetTransformsFitsSavesAndLoads()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 30).Select(i => new SeedRow { Seed = i }));
        var pipeline = ml.Transforms.CopyColumns("RowId", "Seed")
            .Append(ml.GFlowNet().Trainers.PolicyGradient(Small() is var o ? SetSeedColumn(o, "RowId") : o))
            .Append(ml.Transforms.NormalizeMinMax("Normalized", "Sample"))
            .Append(ml.Transforms.Concatenate("Features", "Normalized", "LogReward"));
        var model = pipeline.Fit(data);
        var before = model.Transform(data).GetColumn<float[]>("Features").SelectMany(x => x).ToArray();
        Assert.AreEqual(30 * 3, before.Length);
        Assert.IsTrue(before.All(float.IsFinite));
        using var stream = new MemoryStream();
        ml.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        var fresh = new MLContext();
        var loaded = fresh.Model.Load(stream, out _);
        var after = loaded.Transform(data).GetColumn<float[]>("Features").SelectMany(x => x).ToArray();
        CollectionAssert.AreEqual(before, after);
    }

    private static PolicyGradientOptions SetSeedColumn(PolicyGradientOptions options, string name)
    {
        options.SeedColumnName = name;
        return options;
    }

    [TestMethod]
    public void CancellationStopsTrainingPromptlyAndWritesNoModel()
    {
        var ml = new MLContext(1);
        var estimator = ml.GFlowNet().Trainers.PolicyGradient(Small(iterations: 1_000_000));
        string path = Path.Combine(Path.GetTempPath(), $"gfn-cancel-{Guid.NewGuid():N}.zip");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.ThrowsExactly<OperationCanceledException>(() => ml.Model.Save(estimator.Fit(Seeds(ml), cts.Token), Seeds(ml).Schema, path));
        Assert.IsLessThan(5.0, clock.Elapsed.TotalSeconds, $"stopped after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.IsFalse(File.Exists(path));
    }

    [TestMethod]
    public void SampleMatchesTransformAndFollowsTheExactDistribution()
    {
        var ml = new MLContext(1);
        var model = ml.GFlowNet().Trainers.PolicyGradient(Small(iterations: 60)).Fit(Seeds(ml));
        var draws = model.Sample(20000, seed: 4);
        var rows = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(i => new { Seed = GFlowNetML.Sampling.GFlowNetRandom.Derive(4, i, GFlowNetML.Sampling.SeedDomain.SampleRow) }));
        var transformed = Columns(model.Transform(rows));
        for (int i = 0; i < 10; i++)
        {
            CollectionAssert.AreEqual(draws[i].State.Select(v => (float)v).ToArray(), transformed.Samples[(2 * i)..(2 * i + 2)]);
            Assert.AreEqual(transformed.LogProbabilities[i], draws[i].LogProbability, 1e-6);
        }
        var metrics = ml.GFlowNet().Evaluate(model, samples: 20000, seed: 4);
        Assert.IsTrue(metrics.IsExact);
        Assert.AreEqual(model.Result.Final.ExactTotalVariation, metrics.TotalVariation!.Value, 1e-4, "host DP over the exported policy = the trainer's exact TV");
        Assert.AreEqual(Math.Abs(model.LogZ - model.Result.Final.TrueLogZ), metrics.LogZError!.Value, 1e-5);

        // The empirical distribution of 20,000 draws is within sampling noise of the policy's exact P_T.
        var space = StateSpace.Enumerate(model.Environment);
        var features = new float[space.Count * space.Environment.EncodingWidth];
        space.Environment.Encode(space.States, features);
        var logp = new float[space.Count * space.Environment.ActionCount];
        model.Policy.LogProbabilities(features, space.ForwardMask, space.Count, logp);
        var exact = TerminatingDistribution.Compute(space, logp);
        var empirical = new double[space.Terminals.Length];
        foreach (var d in draws) empirical[Array.IndexOf(space.Terminals, space.IndexOf(d.State))] += 1.0 / draws.Count;
        Assert.IsLessThan(0.03, DistributionMetrics.TotalVariation(empirical, exact));
        Assert.AreEqual(16, metrics.Sampled.UniqueCount);
    }

    [TestMethod]
    public void ASequenceTableFromTheDataTrainsAndSamplesText()
    {
        var ml = new MLContext(1);
        var data = TableView(ml);
        var model = ml.GFlowNet().Trainers.TrajectoryBalance(new TrajectoryBalanceOptions
        {
            Task = Task(ml), Iterations = 30, BatchSize = 16, HiddenLayers = 1, HiddenWidth = 16, EvalEvery = 10, Seed = 2,
        }).Fit(data);
        var output = model.Transform(data);
        Assert.AreEqual("Vector<String, 1>", output.Schema["Sample"].Type.ToString());
        var texts = output.GetColumn<string[]>("Sample").Select(v => v[0]).ToArray();
        var logRewards = output.GetColumn<float[]>("LogReward").Select(v => v[0]).ToArray();
        Assert.AreEqual(8, texts.Length);
        for (int i = 0; i < texts.Length; i++)
            Assert.AreEqual(Table.LogReward(Table.Parse(texts[i])), logRewards[i], 1e-5, texts[i]);
        var metrics = ml.GFlowNet().Evaluate(model, samples: 2000);
        Assert.IsTrue(metrics.IsExact);
        Assert.AreEqual(model.Result.Final.ExactTotalVariation, metrics.TotalVariation!.Value, 1e-4);
        Assert.AreEqual(Table.ModeCount, metrics.ModesFound);
    }

    [TestMethod]
    public void BadOptionsAreRejectedNamingTheOption()
    {
        var ml = new MLContext(1);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.GFlowNet().Trainers.PolicyGradient(new PolicyGradientOptions { Iterations = 0 }));
        Assert.AreEqual("Iterations", e.ParamName);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.GFlowNet().Trainers.TrajectoryBalance(new TrajectoryBalanceOptions { LogRewardColumnName = "Sample" }));
        Assert.AreEqual("SampleColumnName", e.ParamName);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.GFlowNet().Trainers.SubTrajectoryBalance(new SubTrajectoryBalanceOptions { SubTrajectoryLambda = 0 }));
        Assert.AreEqual("SubTrajectoryLambda", e.ParamName);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GFlowNetTask.SequenceTable(4, actionModel: (SequenceActionModel)7));
        Assert.AreEqual("actionModel", e.ParamName);
    }
}
