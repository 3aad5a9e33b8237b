using GFlowNetML.Torch.Export;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Torch.Tests;

/// <summary>The trainer's public profiling (<see cref="GFlowNetTrainer.StartProfiling"/>) and forward-policy access
/// (<see cref="GFlowNetTrainer.ForwardPolicy"/>, <see cref="GFlowNetTrainer.SetForwardPolicy"/>).</summary>
[TestClass]
public sealed class ProfileAndPolicyTests
{
    [TestMethod]
    public void ProfileCountsTheIterationsProductsWithoutChangingTheRun()
    {
        using var plain = new GFlowNetTrainer(TestRuns.Grid(6), TestRuns.Small(TrainingMethod.TrajectoryBalance, 3));
        using var profiled = new GFlowNetTrainer(TestRuns.Grid(6), TestRuns.Small(TrainingMethod.TrajectoryBalance, 3));
        Assert.IsNull(profiled.Profile);
        profiled.StartProfiling();

        string expected = TestRuns.Fingerprint(plain.Train());
        string actual = TestRuns.Fingerprint(profiled.Train());
        var p = profiled.Profile!;

        Assert.AreEqual(expected, actual, "profiling must not change the numbers");
        Assert.AreEqual(3, p.Iterations);
        Assert.AreEqual(48, p.Trajectories);
        var sampling = p.Products.Where(x => x.Sampling).ToList();
        // Policy 12 → 32 → 32 → 3: three forward products per sampling step, rows = running trajectories (≤ batch 16),
        // stored [rows, in] × [out, in]ᵀ; the evaluations before and after training are not traced.
        Assert.IsTrue(sampling.All(x => x.M <= 16 && !x.TransposeA && x.TransposeB), "sampling products are forward products of at most 16 rows");
        Assert.AreEqual(p.SampledStates, sampling.Where(x => x.K == 12).Sum(x => x.M));
        Assert.AreEqual(3 * sampling.Count(x => x.K == 12), sampling.Count);
        Assert.AreEqual(TestSeedValues.SampledStatesGrid6Tb3, p.SampledStates);
        Assert.AreEqual(p.SampledStates / 48.0, p.MeanTrajectoryLength, 1e-12);
        // TB's update: every layer's weight gradient (gᵀ·h, A transposed) and every input gradient but the first layer's.
        var update = p.Products.Where(x => !x.Sampling).ToList();
        int firstLayer = update.Count(x => x.TransposeA && x.M == 32 && x.N == 12);
        Assert.IsGreaterThan(0, firstLayer);
        Assert.AreEqual(3 * firstLayer, update.Count(x => x.TransposeA), "one weight gradient per layer");
        Assert.AreEqual(2 * firstLayer, update.Count(x => !x.TransposeA), "one input gradient per layer but the first");
        Assert.AreEqual(p.Products.Sum(x => 2.0 * x.M * x.K * x.N), p.Flops, 1e-6);
        Assert.IsTrue(p.SamplingTime > TimeSpan.Zero && p.UpdateTime > TimeSpan.Zero && p.ProcessorTime > TimeSpan.Zero);
    }

    [TestMethod]
    public void SetForwardPolicyCopiesAnExportedPolicyExactly()
    {
        using var source = new GFlowNetTrainer(TestRuns.Grid(6), TestRuns.Small(TrainingMethod.TrajectoryBalance, 5, seed: 1));
        source.Train();
        using var target = new GFlowNetTrainer(TestRuns.Grid(6), TestRuns.Small(TrainingMethod.TrajectoryBalance, 5, seed: 2));
        var space = target.StateSpace!;
        CollectionAssert.AreNotEqual(source.ForwardLogProbabilities(space), target.ForwardLogProbabilities(space));

        var exported = PolicyExport.FromTrainer(source).Policy;
        target.SetForwardPolicy(exported);

        CollectionAssert.AreEqual(source.ForwardLogProbabilities(space), target.ForwardLogProbabilities(space));
        // The TorchSharp policy agrees with the exported weights evaluated on the host (double precision) to float rounding.
        int rows = space.Count, actions = target.Environment.ActionCount;
        var features = new float[rows * target.Environment.EncodingWidth];
        var masks = new bool[rows * actions];
        target.Environment.Encode(space.States, features);
        target.Environment.ForwardMasks(space.States, masks);
        var torch = new float[rows * actions];
        var host = new float[rows * actions];
        target.ForwardPolicy.LogProbabilities(features, masks, rows, torch);
        exported.LogProbabilities(features, masks, rows, host);
        for (int i = 0; i < torch.Length; i++)
            if (masks[i]) Assert.AreEqual(host[i], torch[i], 1e-5, $"log π of entry {i}");
    }

    [TestMethod]
    public void SetForwardPolicyRefusesOtherWidths()
    {
        var options = TestRuns.Small(TrainingMethod.TrajectoryBalance, 1);
        options.PolicyHiddenWidth = 16;
        using var other = new GFlowNetTrainer(TestRuns.Grid(6), options);
        using var target = new GFlowNetTrainer(TestRuns.Grid(6), TestRuns.Small(TrainingMethod.TrajectoryBalance, 1));

        var e = Assert.ThrowsExactly<ArgumentException>(() => target.SetForwardPolicy(PolicyExport.FromTrainer(other).Policy));
        Assert.AreEqual("The policy's layer widths 12-16-16-3 differ from the trainer's forward policy (12-32-32-3). (Parameter 'policy')", e.Message);
    }
}

/// <summary>Values pinned from a first run (same seed, same numbers on any machine).</summary>
internal static class TestSeedValues
{
    /// <summary>States the policy was evaluated on while sampling 3 TB iterations of batch 16 on the 6 × 6 grid, seed 0.</summary>
    public const long SampledStatesGrid6Tb3 = 175;
}
