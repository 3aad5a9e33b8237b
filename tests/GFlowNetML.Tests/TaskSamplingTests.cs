using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Rewards;
using GFlowNetML.Trainers;
using Microsoft.ML;
using Microsoft.ML.Data;
using static GFlowNetML.Tests.SamplingChecks;

namespace GFlowNetML.Tests;

/// <summary>The tasks the ML.NET sampler runs on the ONNX step graphs with an in-graph log-reward: each is fitted briefly,
/// and the fitted transformer's draws are valid objects with the environment's log-reward, distributed as the trained
/// policy's exact P_T, and equal to what <c>Transform</c> gives the same row seeds.</summary>
[TestClass]
[DoNotParallelize]
public sealed class TaskSamplingTests
{
    private static TrajectoryBalanceOptions Small(GFlowNetTask task) => new()
    {
        Task = task, Iterations = 30, BatchSize = 16, HiddenLayers = 1, HiddenWidth = 16, EvalEvery = 10, Seed = 5,
    };

    private static IDataView Seeds(MLContext ml, int n = 10) => ml.Data.LoadFromEnumerable(Enumerable.Range(0, n).Select(i => new EstimatorTests.SeedRow { Seed = i }));

    /// <summary>n batched draws checked against the exact P_T of the trained policy, and the first ten against Transform.</summary>
    private static void AssertSamplesFollowTheTrainedPolicy(MLContext ml, GFlowNetSamplerTransformer model, int n, string label)
    {
        var draws = model.Sample(n, seed: 9);
        var space = StateSpace.Enumerate(model.Environment);
        AssertFollows(space, Exact(space, model.Policy), draws.Select(d => d.State).ToArray(), draws.Select(d => d.LogReward).ToArray(), label);

        var rows = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(i => new { Seed = GFlowNetML.Sampling.GFlowNetRandom.Derive(9, i, GFlowNetML.Sampling.SeedDomain.SampleRow) }));
        var output = model.Transform(rows);
        var logProbabilities = output.GetColumn<float[]>("LogProbability").Select(v => v[0]).ToArray();
        string[] texts = model.Environment is SequenceEnvironment
            ? output.GetColumn<string[]>("Sample").Select(v => v[0]).ToArray()
            : output.GetColumn<float[]>("Sample").Select(v => model.Environment.Format(v.Select(x => (int)x).ToArray())).ToArray();
        for (int i = 0; i < 10; i++)
        {
            Assert.AreEqual(draws[i].Text, texts[i], $"{label}: row {i}");
            Assert.AreEqual(draws[i].LogProbability, logProbabilities[i], 1e-6);
        }
    }

    [TestMethod]
    public void PrependOrAppendSequencesFromATableInTheData()
    {
        var ml = new MLContext(1);
        var landscape = new SyntheticBindingLandscape(tokens: 3, length: 4, motifs: 2, seed: 6);
        var options = new SequenceTableOptions { Alpha = 1, ModeFraction = 0.1 };
        var table = landscape.ToTable(options);
        var scores = landscape.Scores();
        var x = new int[4];
        var rows = new List<EstimatorTests.TableRow>();
        for (int i = 0; i < scores.Length; i++)
        {
            for (int p = 3, v = i; p >= 0; p--, v /= 3) x[p] = v % 3;
            rows.Add(new EstimatorTests.TableRow { Sequence = table.Format(x), Score = scores[i], Seed = i });
        }
        var data = ml.Data.LoadFromEnumerable(rows);
        var model = ml.GFlowNet().Trainers.TrajectoryBalance(Small(GFlowNetTask.SequenceTable(3, options: options, actionModel: SequenceActionModel.PrependOrAppend))).Fit(data);
        Assert.AreEqual(SequenceActionModel.PrependOrAppend, ((SequenceEnvironment)model.Environment).ActionModel);
        Assert.AreEqual("Vector<String, 1>", model.Transform(data).Schema["Sample"].Type.ToString());
        AssertSamplesFollowTheTrainedPolicy(ml, model, 20000, "prepend-or-append");
    }

    [TestMethod]
    public void TheQm9TaskSamplesSequencesWithTheirBlocksSmiles()
    {
        var ml = new MLContext(1);
        var options = Small(GFlowNetTask.Qm9());
        options.Iterations = 2;
        options.EvalEvery = 2;
        var model = ml.GFlowNet().Trainers.TrajectoryBalance(options).Fit(Seeds(ml));
        var table = (SequenceRewardTable)((SequenceEnvironment)model.Environment).Reward;
        Assert.AreEqual(9.6241168816014, table.LogPartition!.Value, 1e-12);
        Assert.AreEqual(805, table.ModeCount);
        string[] smiles = ["C", "O", "N", "C-F", "C=O", "C=C", "C#C", "c1ccccc1", "C1CCCCC1", "C1CCNC1", "CCC"];
        var draws = model.Sample(20, seed: 3);
        var logReward = new double[1];
        foreach (var draw in draws)
        {
            Assert.AreEqual(string.Join(' ', draw.State.Select(k => smiles[k])), draw.Blocks, draw.Text);
            table.LogRewards(draw.State, logReward);
            Assert.AreEqual(logReward[0], draw.LogReward, 1e-4, draw.Text);
        }
        Assert.IsNull(ml.GFlowNet().Trainers.TrajectoryBalance(Small(GFlowNetTask.HyperGrid(2, 4))).Fit(Seeds(ml)).Sample(1, 0)[0].Blocks, "no names, no blocks");
    }

    [TestMethod]
    public void ADagTaskSamplesDagsWithTheirBGeLogReward()
    {
        var ml = new MLContext(1);
        var env = DagEnvironment.FromLinearGaussian(nodes: 4, expectedEdges: 3, samples: 40, seed: 2);
        var model = ml.GFlowNet().Trainers.TrajectoryBalance(Small(GFlowNetTask.Of(env))).Fit(Seeds(ml));
        Assert.AreEqual("Vector<Single, 32>", model.Transform(Seeds(ml)).Schema["Sample"].Type.ToString());
        AssertSamplesFollowTheTrainedPolicy(ml, model, 40000, "dag d=4");
    }

    [TestMethod]
    public void ADagFromDataInTheDataViewSamplesDagsWithTheirBGeLogReward()
    {
        var ml = new MLContext(1);
        var generated = new LinearGaussianData(nodes: 5, expectedEdges: 4, samples: 50, seed: 8).CopyData();
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 50).Select(r => new
        {
            X0 = (float)generated[r, 0], X1 = (float)generated[r, 1], X2 = (float)generated[r, 2], X3 = (float)generated[r, 3], X4 = (float)generated[r, 4], Seed = (long)r,
        }));
        var options = Small(GFlowNetTask.DagFromData());
        options.Iterations = 10;
        var model = ml.GFlowNet().Trainers.TrajectoryBalance(options).Fit(data);
        var env = (DagEnvironment)model.Environment;
        Assert.AreEqual(5, env.Nodes);
        var output = model.Transform(data);
        var samples = output.GetColumn<float[]>("Sample").ToArray();
        var logRewards = output.GetColumn<float[]>("LogReward").Select(v => v[0]).ToArray();
        var expected = new double[1];
        for (int i = 0; i < samples.Length; i++)
        {
            var state = samples[i].Select(v => (int)v).ToArray();
            CollectionAssert.AreEqual(env.StateOf(state.AsSpan(0, 25)), state, "a DAG with its closure");
            env.LogReward(state, expected);
            Assert.AreEqual(expected[0], logRewards[i], 1e-4, env.Format(state));
        }
    }

    [TestMethod]
    public void ASmallBitSequenceSamplesStringsWithTheirHammingLogReward()
    {
        var ml = new MLContext(1);
        var env = new BitSequence(bits: 6, word: 2, codebook: 3, temperature: 0.5, seed: 4);
        var model = ml.GFlowNet().Trainers.TrajectoryBalance(Small(GFlowNetTask.Of(env))).Fit(Seeds(ml));
        Assert.AreEqual("Vector<Single, 3>", model.Transform(Seeds(ml)).Schema["Sample"].Type.ToString());
        AssertSamplesFollowTheTrainedPolicy(ml, model, 20000, "bitseq n=6 k=2");
    }
}
