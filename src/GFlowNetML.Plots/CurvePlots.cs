using ScottPlot;
using static GFlowNetML.Plots.PlotCanvas;

namespace GFlowNetML.Plots;

/// <summary>The panels of <see cref="GFlowNetPlots.TrainingCurves"/>: the evaluations against trajectories (exact TV, JSD and
/// |log Z − log Z*| on a log axis, or the sampled rewards) and the training losses (log axis).</summary>
internal static class CurvePlots
{
    public static Plot[] Panels(string title, IReadOnlyList<CurvePoint> points)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var evaluations = NewPlot();
        double[] xs = [.. points.Select(p => (double)p.Trajectories)];
        void Line(Plot plot, double[] x, string name, IEnumerable<double> values, Color color, bool log)
        {
            double[] ys = [.. values.Select(v => log ? Math.Log10(Math.Max(v, 1e-12)) : v)];
            var line = plot.Add.ScatterLine(x, ys, color);
            line.LineWidth = 2;
            line.LegendText = name;
        }
        if (points.All(p => double.IsFinite(p.ExactTotalVariation)))
        {
            Line(evaluations, xs, "exact total variation", points.Select(p => p.ExactTotalVariation), palette.GetColor(0), log: true);
            Line(evaluations, xs, "Jensen–Shannon (nats)", points.Select(p => p.JensenShannon), palette.GetColor(1), log: true);
            if (points.All(p => double.IsFinite(p.LogZError)))
                Line(evaluations, xs, "|log Z − log Z*|", points.Select(p => p.LogZError), palette.GetColor(2), log: true);
            evaluations.YLabel("log10 of the value");
        }
        else
        {
            Line(evaluations, xs, "sampled mean log R", points.Select(p => p.MeanLogReward), palette.GetColor(0), log: false);
            Line(evaluations, xs, "log of the top-k mean reward", points.Select(p => Math.Log(Math.Max(p.TopKMeanReward, 1e-300))), palette.GetColor(1), log: false);
            evaluations.YLabel("log reward");
        }
        evaluations.XLabel("trajectories sampled");
        evaluations.Title(Wrap(title, 48));
        evaluations.ShowLegend(Alignment.UpperRight);

        var losses = NewPlot();
        var withLoss = points.Where(p => double.IsFinite(p.MeanLoss)).ToList();
        double[] lx = [.. withLoss.Select(p => (double)p.Trajectories)];
        Line(losses, lx, "training loss (mean squared TB residual)", withLoss.Select(p => p.MeanLoss), palette.GetColor(3), log: true);
        if (withLoss.Any(p => double.IsFinite(p.MeanCriticLoss)))
            Line(losses, lx, "critic loss", withLoss.Select(p => p.MeanCriticLoss), palette.GetColor(4), log: true);
        losses.Title("Training loss");
        losses.XLabel("trajectories sampled");
        losses.YLabel("log10 of the mean since the last evaluation");
        losses.ShowLegend(Alignment.UpperRight);
        return [evaluations, losses];
    }
}
