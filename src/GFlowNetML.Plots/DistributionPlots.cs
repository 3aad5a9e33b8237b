using GFlowNetML.Environments;
using GFlowNetML.Evaluation;
using ScottPlot;
using static GFlowNetML.Plots.PlotCanvas;

namespace GFlowNetML.Plots;

/// <summary>
/// A distribution over an environment's objects against its target R/Z*, as panels: for a 2-D hyper-grid the two as heat
/// maps on one colour scale and their difference; for the DAG task the edge marginals P(i→j) of the target (the exact
/// posterior) beside the distribution's, as two d×d heat maps; for any other enumerable space a rank plot (every object's
/// target probability by rank, and the distribution's probability of the same object, log scale) beside a scatter of the
/// two. Where the space is too large to enumerate: the histogram of the objects' log R.
/// </summary>
internal static class DistributionPlots
{
    /// <summary>The panels for <paramref name="distribution"/>, aligned with <paramref name="space"/>'s terminals.</summary>
    /// <param name="space">The enumerated space.</param>
    /// <param name="distribution">A probability per terminal state.</param>
    /// <param name="name">What the distribution is, e.g. "learned P_T(x)" or "empirical frequency (10000 samples)".</param>
    public static Plot[] AgainstTarget(StateSpace space, double[] distribution, string name) => space.Environment switch
    {
        HyperGrid { Dimensions: 2 } grid => HeatMaps(grid, space, distribution, name),
        DagEnvironment dag => EdgeMarginals(dag, space, distribution, name),
        _ => RankPlots(space.TargetDistribution, distribution, name),
    };

    private static Plot[] HeatMaps(HyperGrid grid, StateSpace space, double[] learned, string name)
    {
        int h = grid.Height;
        double[] target = space.TargetDistribution;
        double[,] p = new double[h, h], r = new double[h, h], d = new double[h, h];
        for (int t = 0; t < space.Terminals.Length; t++)
        {
            var state = space.State(space.Terminals[t]);
            int x = state[0], y = state[1];
            p[h - 1 - y, x] = learned[t];
            r[h - 1 - y, x] = target[t];
            d[h - 1 - y, x] = learned[t] - target[t];
        }
        double top = Math.Max(learned.Max(), target.Max()), spread = Math.Max(d.Cast<double>().Max(Math.Abs), 1e-12);
        return
        [
            HeatMap(p, name, new ScottPlot.Range(0, top), new ScottPlot.Colormaps.Viridis()),
            HeatMap(r, "target R(x)/Z*", new ScottPlot.Range(0, top), new ScottPlot.Colormaps.Viridis()),
            HeatMap(d, "difference (left − target)", new ScottPlot.Range(-spread, spread), new ScottPlot.Colormaps.Balance()),
        ];
    }

    private static Plot HeatMap(double[,] values, string title, ScottPlot.Range range, IColormap colormap)
    {
        var plot = NewPlot();
        var map = plot.Add.Heatmap(values);
        map.Colormap = colormap;
        map.ManualRange = range;
        plot.Add.ColorBar(map);
        plot.Title(title);
        plot.XLabel("x₁");
        plot.YLabel("x₂");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Axes.Margins(0, 0);
        return plot;
    }

    private static Plot[] EdgeMarginals(DagEnvironment dag, StateSpace space, double[] learned, string name)
    {
        int d = dag.Nodes;
        double[] posterior = DagEdgeMarginals.Compute(space, space.TargetDistribution), sampler = DagEdgeMarginals.Compute(space, learned);
        Plot Panel(double[] marginals, string title)
        {
            var cells = new double[d, d];
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                    cells[i, j] = i == j ? double.NaN : marginals[i * d + j];
            var plot = HeatMap(cells, title, new ScottPlot.Range(0, 1), new ScottPlot.Colormaps.Viridis());
            double[] ticks = [.. Enumerable.Range(0, d).Select(i => (double)i)];
            plot.Axes.Bottom.SetTicks(ticks, [.. dag.NodeNames]);
            plot.Axes.Left.SetTicks([.. ticks.Select(t => d - 1 - t)], [.. dag.NodeNames]);
            plot.XLabel("to j");
            plot.YLabel("from i");
            return plot;
        }
        return [Panel(posterior, "exact posterior P(i→j | D)"), Panel(sampler, $"P(i→j) under the {name}")];
    }

    private static Plot[] RankPlots(double[] target, double[] learned, string name)
    {
        int[] order = [.. Enumerable.Range(0, target.Length).OrderByDescending(i => target[i]).ThenBy(i => i)];
        const double floor = 1e-12;
        double[] ranks = [.. Enumerable.Range(1, order.Length).Select(i => (double)i)];
        var rank = NewPlot();
        var t = rank.Add.ScatterLine(ranks, [.. order.Select(i => Math.Log10(Math.Max(target[i], floor)))]);
        t.LegendText = "target R(x)/Z*";
        t.LineWidth = 2;
        var l = rank.Add.ScatterPoints(ranks, [.. order.Select(i => Math.Log10(Math.Max(learned[i], floor)))]);
        l.LegendText = name;
        l.MarkerSize = 2;
        rank.Title("Probability by target rank");
        rank.XLabel("rank of x by R(x)");
        rank.YLabel($"log10 probability (floor {floor:G1})");
        rank.ShowLegend(Alignment.UpperRight);

        var scatter = NewPlot();
        double[] tx = [.. target.Select(v => Math.Log10(Math.Max(v, floor)))], ly = [.. learned.Select(v => Math.Log10(Math.Max(v, floor)))];
        var points = scatter.Add.ScatterPoints(tx, ly);
        points.MarkerSize = 2;
        double lo = Math.Min(tx.Min(), ly.Min()), hi = Math.Max(tx.Max(), ly.Max());
        scatter.Add.Line(lo, lo, hi, hi).LineColor = Colors.Black.WithAlpha(0.4);
        scatter.Title($"{name} against target");
        scatter.XLabel("log10 R(x)/Z*");
        scatter.YLabel("log10 probability");
        return [rank, scatter];
    }

    /// <summary>The histogram of <paramref name="logRewards"/>, with the top-k mean reward and the largest reward marked
    /// where <paramref name="metrics"/> gives them.</summary>
    public static Plot RewardHistogram(double[] logRewards, SampledMetrics? metrics, string what)
    {
        var plot = NewPlot();
        var histogram = ScottPlot.Statistics.Histogram.WithBinCount(40, logRewards.Min(), logRewards.Max() + 1e-9);
        histogram.AddRange(logRewards);
        var bars = plot.Add.Bars(histogram.Bins, histogram.Counts);
        foreach (var bar in bars.Bars) bar.Size = histogram.FirstBinSize * 0.95;
        bars.LegendText = $"{logRewards.Length} {what}";
        if (metrics is { } m)
        {
            var top = plot.Add.VerticalLine(Math.Log(m.TopKMeanReward), 2, Colors.OrangeRed);
            top.LegendText = $"log of the top-{m.TopK} mean reward";
            var best = plot.Add.VerticalLine(Math.Log(m.MaxReward), 2, Colors.Black);
            best.LegendText = "largest reward";
        }
        plot.Title($"log R(x) of the {what}");
        plot.XLabel("log R(x)");
        plot.YLabel("objects");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }
}
