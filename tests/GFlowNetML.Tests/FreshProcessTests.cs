using System.Diagnostics;
using System.Globalization;
using GFlowNetML.Trainers;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GFlowNetML.Tests;

/// <summary>
/// A fitted sampler saved with <c>mlContext.Model.Save</c> loads with <c>Model.Load</c> in a fresh process (which has
/// never seen the GFlowNet types: it gets ML.NET's own ONNX transformer chain) and samples exactly the same objects.
/// The fresh process is this test executable itself, asked to run only <see cref="ChildProcess_LoadsTheSavedModel"/>.
/// </summary>
[TestClass]
[DoNotParallelize]
public sealed class FreshProcessTests
{
    private const string ModelVariable = "GFLOWNETML_TEST_MODEL", OutputVariable = "GFLOWNETML_TEST_OUTPUT";

    public sealed class SeedRow
    {
        public int Seed { get; set; }
    }

    private static IDataView Seeds(MLContext ml) => ml.Data.LoadFromEnumerable(Enumerable.Range(0, 25).Select(i => new SeedRow { Seed = 7 * i }));

    /// <summary>Every output value of every row, one per line, in a form that parses back exactly.</summary>
    private static string[] Outputs(IDataView view)
        => view.GetColumn<float[]>("Sample").Zip(view.GetColumn<float[]>("LogReward"), view.GetColumn<float[]>("LogProbability"))
            .Select(r => string.Join(' ', r.First.Concat(r.Second).Concat(r.Third).Select(v => v.ToString("R", CultureInfo.InvariantCulture))))
            .ToArray();

    [TestMethod]
    public void ASavedModelLoadsAndSamplesTheSameInAFreshProcess()
    {
        string dir = Path.Combine(Path.GetTempPath(), "gfn-fresh-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var ml = new MLContext(5);
            var options = new PolicyGradientOptions
            {
                Task = GFlowNetTask.HyperGrid(2, 5), Iterations = 30, BatchSize = 16, HiddenLayers = 1, HiddenWidth = 16, EvalEvery = 10, Seed = 11,
            };
            var model = ml.GFlowNet().Trainers.PolicyGradient(options).Fit(Seeds(ml));
            string zip = Path.Combine(dir, "sampler.zip"), output = Path.Combine(dir, "child.txt");
            ml.Model.Save(model, Seeds(ml).Schema, zip);
            var expected = Outputs(model.Transform(Seeds(ml)));

            var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "GFlowNetML.Tests"))
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var arg in new[] { "--filter", $"FullyQualifiedName~{nameof(FreshProcessTests)}.{nameof(ChildProcess_LoadsTheSavedModel)}" })
                start.ArgumentList.Add(arg);
            start.Environment[ModelVariable] = zip;
            start.Environment[OutputVariable] = output;
            using var child = Process.Start(start)!;
            var stdout = child.StandardOutput.ReadToEndAsync();
            var stderr = child.StandardError.ReadToEndAsync();
            Assert.IsTrue(child.WaitForExit(TimeSpan.FromMinutes(3)), "the child process finishes");
            Assert.AreEqual(0, child.ExitCode, $"child process:\n{stdout.Result}\n{stderr.Result}");

            CollectionAssert.AreEqual(expected, File.ReadAllLines(output), "the fresh process samples exactly what the fitting process did");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>The fresh process's side: load the model, transform the same seeds, write the outputs. It runs only when
    /// <see cref="ASavedModelLoadsAndSamplesTheSameInAFreshProcess"/> starts it (and is inconclusive otherwise).</summary>
    [TestMethod]
    public void ChildProcess_LoadsTheSavedModel()
    {
        string? zip = Environment.GetEnvironmentVariable(ModelVariable), output = Environment.GetEnvironmentVariable(OutputVariable);
        if (zip is null || output is null) Assert.Inconclusive("Runs only as the fresh process of ASavedModelLoadsAndSamplesTheSameInAFreshProcess.");
        var ml = new MLContext(123);
        var loaded = ml.Model.Load(zip, out var inputSchema);
        Assert.AreEqual("Seed", inputSchema[0].Name);
        var parts = loaded is IEnumerable<ITransformer> chain ? chain.ToArray() : [loaded];
        Assert.IsTrue(parts.Length > 0 && parts.All(t => t.GetType().Assembly.GetName().Name!.StartsWith("Microsoft.ML", StringComparison.Ordinal)),
            $"the saved model comes back as ML.NET's own transformers: {string.Join(", ", parts.Select(t => t.GetType().Name))}");
        File.WriteAllLines(output, Outputs(loaded.Transform(Seeds(ml))));
    }
}
