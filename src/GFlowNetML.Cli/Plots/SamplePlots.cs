using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using GFlowNetML.Onnx;
using GFlowNetML.Plots;

namespace GFlowNetML.Cli.Plots;

/// <summary>The picture of <c>gflownet sample --plot</c>: the empirical distribution of the drawn objects against the
/// model's target where the space is enumerable (<see cref="GFlowNetPlots.Distribution"/>), else the histogram of their log R.</summary>
internal static class SamplePlots
{
    /// <summary>The most samples the log-reward histogram keeps (the first ones drawn); frequencies over an enumerable
    /// space count every sample in memory bounded by the space.</summary>
    public const int MaxHistogramSamples = 1_000_000;

    /// <summary>Where the picture of a sample written to <paramref name="csvPath"/> goes: the same name with <c>.png</c>.</summary>
    public static string PathFor(string csvPath) => Path.ChangeExtension(csvPath, ".png");

    /// <summary>Collects what the picture needs batch by batch, in memory bounded by the space (or by
    /// <see cref="MaxHistogramSamples"/>), then writes it.</summary>
    public sealed class Accumulator(GFlowNetEnvironment environment)
    {
        private readonly StateSpace? _space = StateSpace.TryEnumerate(environment);
        private long[]? _counts;
        private long _total;
        private readonly List<int> _states = [];
        private readonly List<double> _logRewards = [];

        /// <summary>Adds one batch of samples.</summary>
        public void Add(IReadOnlyList<GFlowNetSample> batch)
        {
            if (_space is { } space)
            {
                _counts ??= new long[space.Terminals.Length];
                foreach (var s in batch) _counts[space.TerminalPosition[space.IndexOf(s.State)]]++;
                _total += batch.Count;
                return;
            }
            foreach (var s in batch)
            {
                if (_logRewards.Count >= MaxHistogramSamples) break;
                _states.AddRange(s.State);
                _logRewards.Add(s.LogReward);
            }
            _total += batch.Count;
        }

        /// <summary>Writes the picture to <paramref name="path"/>; returns the path.</summary>
        public string Write(string path)
        {
            if (_space is { } space)
            {
                double[] frequency = [.. (_counts ?? new long[space.Terminals.Length]).Select(c => (double)c / Math.Max(_total, 1))];
                return GFlowNetPlots.Save(path, GFlowNetPlots.Distribution(space, frequency, $"empirical frequency ({_total} samples)"));
            }
            double[] logRewards = [.. _logRewards];
            var metrics = SampledMetrics.Compute(environment, [.. _states], logRewards, Math.Min(SampledMetrics.DefaultTopK, logRewards.Length));
            string what = _total > logRewards.Length ? $"first samples of {_total}" : "samples";
            return GFlowNetPlots.Save(path, GFlowNetPlots.RewardHistogram(logRewards, metrics, what));
        }
    }
}
