using GFlowNetML.Torch.Training;
using GFlowNetML.Trainers;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GFlowNetML.Tests;

/// <summary>What an ML.NET user expects of the catalog's options: the CLI's defaults, a thread count that makes a seed give
/// one model on any machine, and flow matching beside the other trainers.</summary>
[TestClass]
[DoNotParallelize]
public sealed class CatalogOptionsTests
{
    private static IDataView Seeds(MLContext ml) => ml.Data.LoadFromEnumerable(Enumerable.Range(0, 4).Select(i => new EstimatorTests.SeedRow { Seed = i }));

    [TestMethod]
    public void EveryTrainersDefaultsAreTheCommandLinesDefaults()
    {
        var cli = new GFlowNetTrainerOptions(); // gflownet train's defaults are the trainer's (TrainSettings reads them)
        GFlowNetSamplerOptions[] all = [new PolicyGradientOptions(), new TrustRegionOptions(), new TrajectoryBalanceOptions(),
            new DetailedBalanceOptions(), new SubTrajectoryBalanceOptions(), new FlowMatchingOptions()];
        foreach (var options in all)
        {
            var t = options.ToTrainerOptions(0);
            string name = options.GetType().Name;
            Assert.AreEqual(2000, t.Iterations, name);
            Assert.AreEqual(128, t.BatchSize, name);
            Assert.AreEqual((4, 256), (t.PolicyHiddenLayers, t.PolicyHiddenWidth), name);
            Assert.AreEqual((cli.CriticHiddenLayers, cli.CriticHiddenWidth), (t.CriticHiddenLayers, t.CriticHiddenWidth), name);
            Assert.AreEqual((cli.Iterations, cli.BatchSize, cli.PolicyHiddenLayers, cli.PolicyHiddenWidth, cli.EvalEvery, cli.EvalSamples, cli.TopK),
                (t.Iterations, t.BatchSize, t.PolicyHiddenLayers, t.PolicyHiddenWidth, t.EvalEvery, t.EvalSamples, t.TopK), name);
            Assert.AreEqual((cli.PolicyLearningRate, cli.LogZLearningRate, cli.CriticLearningRate, cli.Lambda), (t.PolicyLearningRate, t.LogZLearningRate, t.CriticLearningRate, t.Lambda), name);
            Assert.AreEqual(1, t.Threads, name);
        }
        Assert.AreEqual(TrainingMethod.FlowMatching, new FlowMatchingOptions().ToTrainerOptions(0).Method);
    }

    [TestMethod]
    public void ThreadsOutsideOneTo256IsRejectedByName()
    {
        var ml = new MLContext(0);
        foreach (int bad in new[] { 0, 257 })
        {
            var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.GFlowNet().Trainers.PolicyGradient(new PolicyGradientOptions { Threads = bad }));
            Assert.AreEqual("Threads", e.ParamName);
            StringAssert.Contains(e.Message, "Threads must be an integer in 1..256"); // the declared range and wording, as gflownet --threads
        }
    }

    /// <summary>The fit uses its own thread count, not the one the calling thread (or <c>OMP_NUM_THREADS</c>, or the core
    /// count) left in libtorch, and restores the caller's setting afterwards.</summary>
    [TestMethod]
    public void OneSeedGivesOneModelWhateverTheCallersTorchThreadCount()
    {
        var results = new double[2];
        var after = new int[2];
        int[] callerThreads = [1, 2];
        for (int i = 0; i < 2; i++)
        {
            int k = i;
            var thread = new Thread(() =>
            {
                TorchSharp.torch.set_num_threads(callerThreads[k]);
                var ml = new MLContext(seed: 0);
                var options = new TrajectoryBalanceOptions { Task = GFlowNetTask.HyperGrid(2, 6), Iterations = 30, BatchSize = 64, HiddenLayers = 2, HiddenWidth = 128, EvalEvery = 30 };
                var model = ml.GFlowNet().Trainers.TrajectoryBalance(options).Fit(Seeds(ml));
                results[k] = ml.GFlowNet().Evaluate(model, samples: 16).TotalVariation!.Value;
                after[k] = TorchSharp.torch.get_num_threads();
            });
            thread.Start();
            thread.Join();
        }
        Assert.AreEqual(results[0], results[1], 0.0, "the same seed, the same model, whatever the caller's torch threads");
        CollectionAssert.AreEqual(callerThreads, after, "the caller's setting is restored");
    }

    [TestMethod]
    public void FlowMatchingFitsTheSmallGrid()
    {
        var ml = new MLContext(seed: 0);
        var options = new FlowMatchingOptions { Task = GFlowNetTask.HyperGrid(2, 4), Iterations = 800, BatchSize = 32, HiddenLayers = 2, HiddenWidth = 64, EvalEvery = 100, Seed = 1 };
        var model = ml.GFlowNet().Trainers.FlowMatching(options).Fit(Seeds(ml));
        var metrics = ml.GFlowNet().Evaluate(model, samples: 256);
        Assert.IsTrue(metrics.IsExact);
        Console.WriteLine($"FM on 4 x 4: TV {metrics.TotalVariation:F4}, |log Z error| {metrics.LogZError:F4}");
        Assert.IsLessThan(0.15, metrics.TotalVariation!.Value, "FM learns the grid's reward distribution");
        using var stream = new MemoryStream();
        ml.Model.Save(model, Seeds(ml).Schema, stream);
        stream.Position = 0;
        var loaded = new MLContext(5).Model.Load(stream, out _);
        CollectionAssert.AreEqual(model.Transform(Seeds(ml)).GetColumn<float[]>("LogProbability").SelectMany(v => v).ToArray(),
            loaded.Transform(Seeds(ml)).GetColumn<float[]>("LogProbability").SelectMany(v => v).ToArray());
    }
}
