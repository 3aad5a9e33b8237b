using System.Globalization;
using GFlowNetML.Environments;
using GFlowNetML.Onnx;
using GFlowNetML.Sampling;
using GFlowNetML.Trainers;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GFlowNetML.Cli.Tests;

/// <summary>One sampler: for one fitted policy and seed, the ML.NET transformer's Sample and Transform, a SamplerSession on the
/// sampler model file the transformer saves, and <c>gflownet sample</c> on that file draw the same objects.</summary>
[TestClass]
public sealed class SamplingParityTests
{
    private sealed class SeedRow
    {
        public long Seed { get; set; }
    }

    [TestMethod]
    [DataRow("hypergrid")]
    [DataRow("sequence")]
    public void TransformerSample_Transform_SamplerSession_AndGflownetSample_DrawTheSameObjects(string environment)
    {
        const int n = 40;
        const long seed = 13;
        var env = environment == "hypergrid" ? new HyperGrid(2, 6) : EnvironmentCatalog.Create("sequence", new Dictionary<string, string>());
        var ml = new MLContext(1);
        var options = new TrajectoryBalanceOptions
        {
            Task = GFlowNetTask.Of(env), Iterations = 20, BatchSize = 16, HiddenLayers = 1, HiddenWidth = 16, EvalEvery = 10, Seed = 3,
        };
        var fitData = ml.Data.LoadFromEnumerable(new[] { new SeedRow() });
        var model = ml.GFlowNet().Trainers.TrajectoryBalance(options).Fit(fitData);

        var draws = model.Sample(n, seed);
        var rows = ml.Data.LoadFromEnumerable(Enumerable.Range(0, n).Select(i => new SeedRow { Seed = GFlowNetRandom.Derive(seed, i, SeedDomain.SampleRow) }));
        var output = model.Transform(rows);
        string[] transformed = env is SequenceEnvironment
            ? [.. output.GetColumn<string[]>("Sample").Select(v => v[0])]
            : [.. output.GetColumn<float[]>("Sample").Select(v => env.Format(v.Select(x => (int)x).ToArray()))];
        var transformedLogP = output.GetColumn<float[]>("LogProbability").Select(v => (double)v[0]).ToArray();

        string root = CliHarness.TempDirectory();
        try
        {
            string path = Path.Combine(root, "sampler.onnx"), csv = Path.Combine(root, "samples.csv");
            model.SaveSamplerModel(path);
            using var session = SamplerSession.Load(path, new SamplerSessionOptions { Device = SamplerDevice.Cpu });
            var whole = session.Sample(n, seed, SamplingMode.WholeTrajectory);
            var host = session.Sample(n, seed, SamplingMode.HostLoop);
            var cli = CliHarness.RunInProcess("sample", "--model", path, "-n", n.ToString(CultureInfo.InvariantCulture), "--seed", seed.ToString(CultureInfo.InvariantCulture),
                "--device", "cpu", "--out", csv);
            Assert.AreEqual(0, cli.ExitCode, cli.ToString());
            var lines = File.ReadAllLines(csv).Skip(1).ToArray();
            Assert.HasCount(n, lines);

            int distinct = draws.Select(d => d.Text).Distinct().Count();
            Assert.IsGreaterThan(3, distinct, "the draws are not all one object");
            for (int i = 0; i < n; i++)
            {
                string text = draws[i].Text;
                Assert.AreEqual(text, transformed[i], $"Transform, row {i}");
                Assert.AreEqual(text, whole[i].Text, $"SamplerSession whole-trajectory, sample {i}");
                Assert.AreEqual(text, host[i].Text, $"SamplerSession host loop, sample {i}");
                var (cliText, cliLogP) = ParseCsvLine(lines[i]);
                Assert.AreEqual(text, cliText, $"gflownet sample, line {i + 2}");
                Assert.AreEqual(transformedLogP[i], draws[i].LogProbability, 0, "Sample and Transform run one graph: the same float log-probability");
                Assert.AreEqual(draws[i].LogProbability, whole[i].LogProbability, 0);
                Assert.AreEqual(draws[i].LogProbability, host[i].LogProbability, 1e-4, "the host loop sums the same float terms in double");
                Assert.AreEqual(host[i].LogProbability, cliLogP, 1e-9, "gflownet sample runs the host loop on the CPU");
                Assert.AreEqual(draws[i].LogReward, whole[i].LogReward, 0);
            }
        }
        finally { CliHarness.DeleteQuietly(root); }
    }

    /// <summary>The object and log-probability of a line <c>object,log_probability,log_reward</c> (the object quoted when it holds a comma).</summary>
    private static (string Text, double LogProbability) ParseCsvLine(string line)
    {
        int end = line.StartsWith('"') ? line.IndexOf("\",", 1, StringComparison.Ordinal) + 1 : line.IndexOf(',');
        string text = line.StartsWith('"') ? line[1..(end - 1)] : line[..end];
        return (text, double.Parse(line[(end + 1)..].Split(',')[0], CultureInfo.InvariantCulture));
    }
}
