using GFlowNetML.Environments;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Torch.Tests;

/// <summary>Small, fast configurations shared by the tests.</summary>
internal static class TestRuns
{
    public static HyperGrid Grid(int height = 8, int ndim = 2) => new(ndim, height, r0: 0.01);

    /// <summary>Paper-sized networks (4×256 policy, 2×256 critic).</summary>
    public static GFlowNetTrainerOptions Paper(TrainingMethod method, int iterations, long seed = 0) => new()
    {
        Method = method, Iterations = iterations, BatchSize = 128, Seed = seed, EvalEvery = 50,
    };

    /// <summary>Small networks for tests that check mechanics, not convergence.</summary>
    public static GFlowNetTrainerOptions Small(TrainingMethod method, int iterations, long seed = 0) => new()
    {
        Method = method, Iterations = iterations, BatchSize = 16, Seed = seed, EvalEvery = 5,
        PolicyHiddenLayers = 2, PolicyHiddenWidth = 32, CriticHiddenLayers = 1, CriticHiddenWidth = 32,
    };

    public static string TempDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "gfn-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The history without wall-clock seconds, for exact comparisons.</summary>
    public static string Fingerprint(TrainingResult r)
        => string.Join("\n", r.History.Append(r.Final).Select(h => (h with { Seconds = 0 }).ToString()));
}

/// <summary>Helpers for tests that drive objectives directly (no trainer).</summary>
internal static class TestSampling
{
    /// <summary>Samples a batch the way the trainer does: with the policy's activation cache on.</summary>
    public static GFlowNetML.Sampling.TrajectoryBatch SampleForTraining(Networks.TorchPolicy policy, GFlowNetEnvironment env, int size, long seed, double epsilon = 0)
    {
        policy.CacheActivations = true;
        try { return new GFlowNetML.Sampling.TrajectorySampler(env).Sample(policy, size, new GFlowNetML.Sampling.GFlowNetRandom(seed), epsilon); }
        finally { policy.CacheActivations = false; }
    }

    /// <summary>The flat parameters of a network as a host array (a snapshot).</summary>
    public static float[] Snapshot(Networks.Mlp network) => Networks.TensorData.ToArray(network.Flat);

    /// <summary>The gradient an <see cref="Training.Adam"/> optimizer received on its first step, read back from its first
    /// moment: after one step from zero, m = (1 − β1)·g with β1 = 0.9.</summary>
    public static float[] FirstStepGradient(Training.Adam adam, int parameter = 0)
    {
        var (steps, moments) = adam.ExportState();
        if (steps != 1) throw new InvalidOperationException($"The optimizer has taken {steps} steps, not 1.");
        return moments[2 * parameter].Select(m => m / 0.1f).ToArray();
    }

    /// <summary>Asserts two flat gradients agree entry by entry within <paramref name="relative"/> of the largest entry.</summary>
    public static void AssertClose(float[] expected, float[] actual, double relative, string what)
    {
        Assert.HasCount(expected.Length, actual, what);
        double scale = expected.Max(Math.Abs);
        Assert.IsGreaterThan(0.0, scale, $"{what}: the expected gradient is not all zero");
        for (int k = 0; k < expected.Length; k++)
            if (Math.Abs(expected[k] - actual[k]) > relative * scale)
                Assert.Fail($"{what}: entry {k} expected {expected[k]:R}, got {actual[k]:R} (scale {scale:R})");
    }
}
