using Microsoft.ML;
using Microsoft.ML.Data;

namespace GFlowNetML.Tests;

/// <summary>An ML.NET model saved by the previous version (0.2.0, whose row sampler was an unrolled graph mixing the fit
/// seed into each row's generator) still loads and samples: the saved chain is ML.NET's own transformers (ConvertType, the
/// ONNX transformer holding the sampling graph, DropColumns), with nothing of GFlowNetML's to resolve, so
/// <c>Model.Load</c> returns it and it draws the objects it drew when it was saved.</summary>
[TestClass]
public sealed class SavedModelCompatibilityTests
{
    /// <summary>Made by version 0.2.0 (commit 51dc271): TB on the 4 × 4 grid, 20 iterations of 16, a 1 × 16 policy,
    /// Options.Seed 3, saved with <c>ml.Model.Save</c>; what its Transform gave then for seeds 0…9.</summary>
    private static readonly (int X, int Y, float LogProbability)[] SavedDraws =
    [
        (3, 3, -5.3437996f), (0, 2, -3.3326194f), (2, 3, -5.1131997f), (2, 3, -5.2688823f), (0, 0, -1.0716431f),
        (0, 0, -1.0716431f), (2, 0, -3.332503f), (1, 3, -4.4153547f), (1, 1, -3.585669f), (0, 0, -1.0716431f),
    ];

    [TestMethod]
    public void AModelSavedByThePreviousVersionLoadsAndDrawsWhatItDrewThen()
    {
        var ml = new MLContext(0);
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "hypergrid-d2-h4-tb-v0.2.zip");
        var model = ml.Model.Load(path, out var schema);
        Assert.AreEqual("Seed", schema[0].Name);
        var rows = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(i => new EstimatorTests.SeedRow { Seed = i }));
        var output = model.Transform(rows);
        var samples = output.GetColumn<float[]>("Sample").ToArray();
        var logProbabilities = output.GetColumn<float[]>("LogProbability").ToArray();
        for (int i = 0; i < SavedDraws.Length; i++)
        {
            CollectionAssert.AreEqual(new[] { (float)SavedDraws[i].X, SavedDraws[i].Y }, samples[i], $"row {i}");
            Assert.AreEqual(SavedDraws[i].LogProbability, logProbabilities[i][0], 1e-6f, $"row {i}");
        }
    }
}
