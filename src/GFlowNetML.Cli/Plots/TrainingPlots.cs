using GFlowNetML.Environments;
using GFlowNetML.Torch.Training;
using ScottPlot;
using SkiaSharp;

namespace GFlowNetML.Cli.Plots;

/// <summary>
/// The pictures of <c>gflownet train --plot</c>, written next to metrics.json (each to a temporary name, then renamed):
/// <list type="bullet">
/// <item><c>curves.png</c>: the evaluations against trajectories — exact total variation, Jensen–Shannon divergence and
/// |log Z − log Z*| on a log axis where the space is enumerable; the sampled mean log-reward and top-k mean reward
/// elsewhere; beside them the mean training loss (squared trajectory-balance residual) and, for the policy-gradient methods,
/// the critic's loss, both over the iterations since the previous evaluation, on a log axis.</item>
/// <item><c>distribution.png</c>, where the space is enumerable: for a 2-D hyper-grid the learned terminating distribution
/// P_T and the target R/Z* as heat maps on one colour scale, and their difference; for any other enumerable space a rank
/// plot (the target probability of every object by rank and the learned probability of the same object, log scale) beside
/// a learned-against-target scatter; for the DAG task the exact posterior's edge marginals P(i→j | D) beside the sampler's,
/// as two d×d heat maps. Where the space is too large to enumerate, the histogram of log R over the evaluation samples with
/// the top-k mean and the largest reward marked.</item>
/// </list>
/// </summary>
internal static class TrainingPlots
{
    public const string CurvesFile = "curves.png", DistributionFile = "distribution.png";
    public const int PanelWidth = 560, PanelHeight = 480;

    private static readonly string[] PreferredFonts = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Open Sans", "Arial"];

    /// <summary>Writes the pictures for <paramref name="trainer"/>'s run; returns their paths.</summary>
    public static IReadOnlyList<string> Write(string directory, GFlowNetTrainer trainer, TrainingResult result)
    {
        var written = new List<string> { Save(Path.Combine(directory, CurvesFile), [Curves(trainer.Environment, result), Losses(result)]) };
        if (trainer.StateSpace is { } space)
        {
            double[] learned = trainer.TerminatingDistribution();
            double[] target = space.TargetDistribution;
            var panels = trainer.Environment switch
            {
                HyperGrid { Dimensions: 2 } grid => HeatMaps(grid, space, learned, target),
                DagEnvironment dag => EdgeMarginals(dag, space, learned),
                _ => RankPlots(learned, target),
            };
            written.Add(Save(Path.Combine(directory, DistributionFile), panels));
        }
        else written.Add(Save(Path.Combine(directory, DistributionFile), [RewardHistogram(trainer, result.Final)]));
        return written;
    }

    private static Plot NewPlot()
    {
        var plot = new Plot();
        var installed = SKFontManager.Default.FontFamilies.ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (PreferredFonts.FirstOrDefault(installed.Contains) is { } font) plot.Font.Set(font);
        plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.12);
        return plot;
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

    private static Plot[] HeatMaps(HyperGrid grid, Evaluation.StateSpace space, double[] learned, double[] target)
    {
        int h = grid.Height;
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
            HeatMap(p, "learned P_T(x)", new ScottPlot.Range(0, top), new ScottPlot.Colormaps.Viridis()),
            HeatMap(r, "target R(x)/Z*", new ScottPlot.Range(0, top), new ScottPlot.Colormaps.Viridis()),
            HeatMap(d, "P_T(x) − R(x)/Z*", new ScottPlot.Range(-spread, spread), new ScottPlot.Colormaps.Balance()),
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

    private static Plot[] EdgeMarginals(DagEnvironment dag, Evaluation.StateSpace space, double[] learned)
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
        return [Panel(posterior, "exact posterior P(i→j | D)"), Panel(sampler, "sampler P(i→j)")];
    }

    private static Plot RewardHistogram(GFlowNetTrainer trainer, EvaluationRecord final)
    {
        double[] logRewards = trainer.EvaluationLogRewards();
        var plot = NewPlot();
        var histogram = ScottPlot.Statistics.Histogram.WithBinCount(40, logRewards.Min(), logRewards.Max() + 1e-9);
        histogram.AddRange(logRewards);
        var bars = plot.Add.Bars(histogram.Bins, histogram.Counts);
        foreach (var bar in bars.Bars) bar.Size = histogram.FirstBinSize * 0.95;
        bars.LegendText = $"{logRewards.Length} evaluation samples";
        if (final.Sampled is { } m)
        {
            var top = plot.Add.VerticalLine(Math.Log(m.TopKMeanReward), 2, Colors.OrangeRed);
            top.LegendText = $"log of the top-{m.TopK} mean reward";
            var best = plot.Add.VerticalLine(Math.Log(m.MaxReward), 2, Colors.Black);
            best.LegendText = "largest reward sampled";
        }
        plot.Title("log R(x) of the evaluation samples");
        plot.XLabel("log R(x)");
        plot.YLabel("samples");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }

    private static Plot[] RankPlots(double[] learned, double[] target)
    {
        int[] order = [.. Enumerable.Range(0, target.Length).OrderByDescending(i => target[i]).ThenBy(i => i)];
        double floor = 1e-12;
        double[] ranks = [.. Enumerable.Range(1, order.Length).Select(i => (double)i)];
        var rank = NewPlot();
        var t = rank.Add.ScatterLine(ranks, [.. order.Select(i => Math.Log10(Math.Max(target[i], floor)))]);
        t.LegendText = "target R(x)/Z*";
        t.LineWidth = 2;
        var l = rank.Add.ScatterPoints(ranks, [.. order.Select(i => Math.Log10(Math.Max(learned[i], floor)))]);
        l.LegendText = "learned P_T(x)";
        l.MarkerSize = 2;
        rank.Title("Probability by target rank");
        rank.XLabel("rank of x by R(x)");
        rank.YLabel("log10 probability");
        rank.ShowLegend(Alignment.UpperRight);

        var scatter = NewPlot();
        double[] tx = [.. target.Select(v => Math.Log10(Math.Max(v, floor)))], ly = [.. learned.Select(v => Math.Log10(Math.Max(v, floor)))];
        var points = scatter.Add.ScatterPoints(tx, ly);
        points.MarkerSize = 2;
        double lo = Math.Min(tx.Min(), ly.Min()), hi = Math.Max(tx.Max(), ly.Max());
        scatter.Add.Line(lo, lo, hi, hi).LineColor = Colors.Black.WithAlpha(0.4);
        scatter.Title("Learned against target");
        scatter.XLabel("log10 R(x)/Z*");
        scatter.YLabel("log10 P_T(x)");
        return [rank, scatter];
    }

    /// <summary>Renders the panels side by side into one PNG at <paramref name="path"/> (atomically).</summary>
    private static string Save(string path, IReadOnlyList<Plot> panels)
    {
        using var surface = SKSurface.Create(new SKImageInfo(PanelWidth * panels.Count, PanelHeight));
        surface.Canvas.Clear(SKColors.White);
        for (int i = 0; i < panels.Count; i++)
        {
            byte[] png = panels[i].GetImage(PanelWidth, PanelHeight).GetImageBytes(ImageFormat.Png, 100);
            using var bitmap = SKBitmap.Decode(png);
            surface.Canvas.DrawBitmap(bitmap, i * PanelWidth, 0);
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        string temporary = path + ".tmp";
        using (var file = File.Create(temporary)) data.SaveTo(file);
        File.Move(temporary, path, overwrite: true);
        return path;
    }
}
