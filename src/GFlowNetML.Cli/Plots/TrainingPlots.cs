using GFlowNetML.Environments;
using GFlowNetML.Torch.Training;
using ScottPlot;
using static GFlowNetML.Cli.Plots.PlotCanvas;

namespace GFlowNetML.Cli.Plots;

/// <summary>
/// The pictures of <c>gflownet train --plot</c>, written next to metrics.json (each to a temporary name, then renamed):
/// <list type="bullet">
/// <item><c>curves.png</c>: the evaluations against trajectories — exact total variation, Jensen–Shannon divergence and
/// |log Z − log Z*| on a log axis where the space is enumerable; the sampled mean log-reward and top-k mean reward
/// elsewhere; beside them the mean training loss (squared trajectory-balance residual) and, for the policy-gradient methods,
/// the critic's loss, both over the iterations since the previous evaluation, on a log axis.</item>
/// <item><c>distribution.png</c>: the learned terminating distribution P_T against the target
/// (<see cref="DistributionPlots"/>) where the space is enumerable; elsewhere the histogram of log R over the evaluation
/// samples with the top-k mean and the largest reward marked.</item>
/// </list>
/// </summary>
internal static class TrainingPlots
{
    public const string CurvesFile = "curves.png", DistributionFile = "distribution.png";

    /// <summary>Writes the pictures for <paramref name="trainer"/>'s run; returns their paths.</summary>
    public static IReadOnlyList<string> Write(string directory, GFlowNetTrainer trainer, TrainingResult result)
    {
        var written = new List<string> { Save(Path.Combine(directory, CurvesFile), [Curves(trainer.Environment, result), Losses(result)]) };
        string distribution = Path.Combine(directory, DistributionFile);
        written.Add(trainer.StateSpace is { } space
            ? Save(distribution, DistributionPlots.AgainstTarget(space, trainer.TerminatingDistribution(), "learned P_T(x)"))
            : Save(distribution, [DistributionPlots.RewardHistogram(trainer.EvaluationLogRewards(), result.Final.Sampled, "evaluation samples")]));
        return written;
    }

    private static Plot Curves(GFlowNetEnvironment env, TrainingResult result)
    {
        var plot = NewPlot();
        var history = result.History.Where(h => h.Trajectories > 0 || h.Iteration == 0).ToList();
        double[] xs = [.. history.Select(h => (double)h.Trajectories)];
        if (history.All(h => h.IsExact))
        {
            void Line(string name, IEnumerable<double> values, Color color)
            {
                double[] ys = [.. values.Select(v => Math.Log10(Math.Max(v, 1e-12)))];
                var line = plot.Add.ScatterLine(xs, ys, color);
                line.LineWidth = 2;
                line.LegendText = name;
            }
            var palette = new ScottPlot.Palettes.Category10();
            Line("exact total variation", history.Select(h => h.ExactTotalVariation), palette.GetColor(0));
            Line("Jensen–Shannon (nats)", history.Select(h => h.JensenShannon), palette.GetColor(1));
            Line("|log Z − log Z*|", history.Select(h => Math.Abs(h.LogZ - h.TrueLogZ)), palette.GetColor(2));
            plot.YLabel("log10 of the value");
        }
        else
        {
            var mean = plot.Add.ScatterLine(xs, [.. history.Select(h => h.Sampled?.MeanLogReward ?? double.NaN)]);
            mean.LegendText = "sampled mean log R";
            var top = plot.Add.ScatterLine(xs, [.. history.Select(h => Math.Log(Math.Max(h.Sampled?.TopKMeanReward ?? double.NaN, 1e-300)))]);
            top.LegendText = "log of the top-k mean reward";
            plot.YLabel("log reward");
        }
        plot.XLabel("trajectories sampled");
        plot.Title(Compare.ComparePlot.Wrap(env.Description, 48));
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    private static Plot Losses(TrainingResult result)
    {
        var plot = NewPlot();
        var history = result.History.Where(h => double.IsFinite(h.MeanLoss)).ToList();
        double[] xs = [.. history.Select(h => (double)h.Trajectories)];
        var palette = new ScottPlot.Palettes.Category10();
        var loss = plot.Add.ScatterLine(xs, [.. history.Select(h => Math.Log10(Math.Max(h.MeanLoss, 1e-12)))], palette.GetColor(3));
        loss.LineWidth = 2;
        loss.LegendText = "training loss (mean squared TB residual)";
        if (history.Any(h => double.IsFinite(h.MeanCriticLoss)))
        {
            var critic = plot.Add.ScatterLine(xs, [.. history.Select(h => Math.Log10(Math.Max(h.MeanCriticLoss, 1e-12)))], palette.GetColor(4));
            critic.LineWidth = 2;
            critic.LegendText = "critic loss";
        }
        plot.Title("Training loss");
        plot.XLabel("trajectories sampled");
        plot.YLabel("log10 of the mean since the last evaluation");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }
}
