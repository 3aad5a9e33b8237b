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
