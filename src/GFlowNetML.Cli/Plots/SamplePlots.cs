using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Onnx;

namespace GFlowNetML.Cli.Plots;

/// <summary>The picture of <c>gflownet sample --plot</c>: the empirical distribution of the drawn objects against the
/// model's target where the space is enumerable (<see cref="DistributionPlots"/>), else the histogram of their log R.</summary>
internal static class SamplePlots
{
    /// <summary>Where the picture of a sample written to <paramref name="csvPath"/> goes: the same name with <c>.png</c>.</summary>
    public static string PathFor(string csvPath) => Path.ChangeExtension(csvPath, ".png");

    /// <summary>Writes the picture of <paramref name="samples"/> drawn from <paramref name="environment"/> to
    /// <paramref name="path"/>.</summary>
    public static string Write(string path, GFlowNetEnvironment environment, IReadOnlyList<GFlowNetSample> samples)
    {
        if (StateSpace.TryEnumerate(environment) is { } space)
        {
            var terminal = new Dictionary<int, int>(space.Terminals.Length);
            for (int t = 0; t < space.Terminals.Length; t++) terminal[space.Terminals[t]] = t;
            var frequency = new double[space.Terminals.Length];
            foreach (var s in samples) frequency[terminal[space.IndexOf(s.State)]] += 1.0 / samples.Count;
            return PlotCanvas.Save(path, DistributionPlots.AgainstTarget(space, frequency, $"empirical frequency ({samples.Count} samples)"));
        }
        int width = environment.StateWidth;
        var states = new int[samples.Count * width];
        for (int n = 0; n < samples.Count; n++) samples[n].State.CopyTo(states, n * width);
        double[] logRewards = [.. samples.Select(s => s.LogReward)];
        var metrics = SampledMetrics.Compute(environment, states, logRewards, Math.Min(SampledMetrics.DefaultTopK, samples.Count));
        return PlotCanvas.Save(path, [DistributionPlots.RewardHistogram(logRewards, metrics, "samples")]);
    }
}
