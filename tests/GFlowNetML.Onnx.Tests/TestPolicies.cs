using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Models;
using GFlowNetML.Torch.Export;
using GFlowNetML.Torch.Training;

namespace GFlowNetML.Onnx.Tests;

/// <summary>A policy trained for a few iterations (so its weights are not the initial ones), with its Torch trainer.</summary>
internal sealed class TrainedPolicy
{
    public TrainedPolicy(HyperGrid grid, int hiddenLayers, int hiddenWidth, int iterations, long seed)
    {
        Grid = grid;
        Space = StateSpace.Enumerate(grid);
        Trainer = new GFlowNetTrainer(grid, new GFlowNetTrainerOptions
        {
            Method = TrainingMethod.TrajectoryBalance, Iterations = iterations, BatchSize = 32, Seed = seed, EvalEvery = iterations,
            PolicyHiddenLayers = hiddenLayers, PolicyHiddenWidth = hiddenWidth, PolicyLearningRate = 3e-3,
        });
        Result = Trainer.Train();
        Exported = PolicyExport.FromTrainer(Trainer, Result.Final);
        Model = SamplerModel.Create(grid, Exported.Policy, Exported.Training);
        TorchLogProbabilities = Trainer.ForwardLogProbabilities(Space);
    }

    public HyperGrid Grid { get; }
    public StateSpace Space { get; }
    public GFlowNetTrainer Trainer { get; }
    public TrainingResult Result { get; }
    public ExportedPolicy Exported { get; }
    public SamplerModel Model { get; }

    /// <summary>log π_F of every enumerated state by TorchSharp (the trainer's own policy).</summary>
    public float[] TorchLogProbabilities { get; }

    /// <summary>The paper-sized policy (4 × 256) on the 8 × 8 grid, 5 iterations of TB.</summary>
    public static TrainedPolicy PaperSized => LazyPaper.Value;

    /// <summary>A small policy (2 × 64) on the 8 × 8 grid, 40 iterations of TB: cheap enough for 200,000 samples.</summary>
    public static TrainedPolicy Small => LazySmall.Value;

    /// <summary>A small policy on a 3-dimensional grid of height 5.</summary>
    public static TrainedPolicy ThreeDimensional => LazyThree.Value;

    private static readonly Lazy<TrainedPolicy> LazyPaper = new(() => new TrainedPolicy(new HyperGrid(2, 8), 4, 256, 5, 11));
    private static readonly Lazy<TrainedPolicy> LazySmall = new(() => new TrainedPolicy(new HyperGrid(2, 8), 2, 64, 40, 5));
    private static readonly Lazy<TrainedPolicy> LazyThree = new(() => new TrainedPolicy(new HyperGrid(3, 5), 2, 32, 20, 7));

    /// <summary>The exact terminating distribution of the model's policy, with the policy evaluated by <paramref name="session"/>.</summary>
    public double[] ExactDistribution(SamplerSession session)
        => TerminatingDistribution.Compute(Space, session.LogProbabilities(Space.States));
}

internal static class SampleStatistics
{
    /// <summary>The empirical distribution of samples over the space's terminal states.</summary>
    public static double[] Empirical(StateSpace space, IReadOnlyList<GFlowNetSample> samples)
    {
        var counts = new double[space.Terminals.Length];
        var position = new Dictionary<int, int>();
        for (int t = 0; t < space.Terminals.Length; t++) position[space.Terminals[t]] = t;
        foreach (var s in samples)
        {
            int index = space.IndexOf(s.State);
            Assert.IsGreaterThanOrEqualTo(0, index, $"{s.Text} is not a state of the grid");
            Assert.IsTrue(position.TryGetValue(index, out int t), $"{s.Text} is not terminal");
            counts[t]++;
        }
        for (int i = 0; i < counts.Length; i++) counts[i] /= samples.Count;
        return counts;
    }

    /// <summary>The expected total variation between n samples of p and p itself (the noise floor of the landscape note,
    /// E L1 ≈ Σ sqrt(2 p(1 − p)/(π n)), halved for TV).</summary>
    public static double NoiseFloor(ReadOnlySpan<double> p, int n)
    {
        double sum = 0;
        foreach (double q in p) sum += Math.Sqrt(2 * q * (1 - q) / (Math.PI * n));
        return sum / 2;
    }
}
