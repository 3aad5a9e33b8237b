using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace GFlowNetML.Cli.Compare;

/// <summary>
/// Draws <c>compare.png</c> with ScottPlot: the seed-mean exact total variation of every method against trajectories,
/// one line per method with a shaded ± one standard deviation band (two or more seeds), on a logarithmic y axis.
/// </summary>
/// <remarks>ScottPlot 5 has no logarithmic axis type: the lines hold log10 of the values and the y axis gets ticks
/// of its own, a labelled major tick at every power of ten and unlabelled minor ticks at 2…9 times it (labelled at 2 and
/// 5 as well when the data span a single decade), with axis limits on whole decades so that labels are always visible.
/// Text is drawn with the first installed of a few sans-serif fonts (Skia's NoDependencies build reads the font files
/// itself, no fontconfig needed); on a machine without any font the plot is drawn without text.</remarks>
internal static class ComparePlot
{
    public const string FileName = "compare.png";
    public const int Width = 1000, Height = 600;

    /// <summary>Writes the plot into <paramref name="directory"/> (atomically); returns its path, or null when no
    /// method has a point to draw (a plot left there by an earlier comparison is then removed, so that it is never
    /// taken for this one's).</summary>
    public static string? Write(string directory, string environment, IReadOnlyList<MethodSummary> methods, int seeds)
    {
        var curves = methods
            .Select(m => (m.Method.Name, Points: m.Curve.Where(p => p.TotalVariation.Mean > 0 && double.IsFinite(p.TotalVariation.Mean)).ToList()))
            .ToList();
        var means = curves.SelectMany(c => c.Points.Select(p => p.TotalVariation.Mean)).ToList();
        string path = Path.Combine(directory, FileName), temporary = path + ".tmp";
        if (means.Count == 0)
        {
            File.Delete(path);
            return null;
        }

        int lowDecade = (int)Math.Floor(Math.Log10(means.Min()));
        double floor = Math.Pow(10, lowDecade);
        var plot = GFlowNetML.Plots.PlotCanvas.NewPlot();
        var palette = new ScottPlot.Palettes.Category10();
        double top = means.Max();
        for (int i = 0; i < curves.Count; i++)
        {
            var (name, points) = curves[i];
            if (points.Count == 0) continue;
            var color = palette.GetColor(i);
            double[] xs = [.. points.Select(p => (double)p.Trajectories)];
            if (points.All(p => double.IsFinite(p.TotalVariation.Std)))
            {
                double[] upper = [.. points.Select(p => Math.Min(p.TotalVariation.Mean + p.TotalVariation.Std, 1.0))];
                double[] lower = [.. points.Select(p => Math.Max(p.TotalVariation.Mean - p.TotalVariation.Std, floor))];
                top = Math.Max(top, upper.Max());
                var band = plot.Add.FillY(xs, [.. lower.Select(Math.Log10)], [.. upper.Select(Math.Log10)]);
                band.FillColor = color.WithAlpha(0.18);
                band.LineWidth = 0;
                band.LegendText = "";
            }
            var line = plot.Add.ScatterLine(xs, [.. points.Select(p => Math.Log10(p.TotalVariation.Mean))], color);
            line.LineWidth = 2;
            line.MarkerSize = points.Count <= 40 ? 5 : 0;
            line.LegendText = name;
        }

        int highDecade = Math.Max((int)Math.Ceiling(Math.Log10(top) - 1e-12), lowDecade + 1);
        plot.Axes.Left.TickGenerator = LogTicks(lowDecade, highDecade);
        plot.Axes.SetLimitsY(lowDecade, highDecade);
        plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.15);
        plot.Grid.MinorLineColor = Colors.Black.WithAlpha(0.05);
        plot.Grid.MinorLineWidth = 1;

        // Long environment descriptions (a DAG's data, a sequence task's reward) wrap at commas instead of running off the image.
        plot.Title(GFlowNetML.Plots.PlotCanvas.Wrap("Exact total variation against trajectories: " + environment, 95));
        plot.XLabel("trajectories sampled");
        plot.YLabel(seeds > 1 ? $"exact total variation (mean of {seeds} seeds, band ± 1 std)" : "exact total variation");
        plot.ShowLegend(Alignment.UpperRight);

        plot.SavePng(temporary, Width, Height);
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    /// <summary>Ticks for log10-valued data between two powers of ten.</summary>
    private static NumericManual LogTicks(int lowDecade, int highDecade)
    {
        var ticks = new NumericManual();
        bool oneDecade = highDecade - lowDecade == 1;
        for (int k = lowDecade; k <= highDecade; k++)
        {
            ticks.AddMajor(k, Label(Math.Pow(10, k)));
            if (k == highDecade) break;
            for (int j = 2; j <= 9; j++)
            {
                double position = k + Math.Log10(j);
                if (oneDecade && j is 2 or 5) ticks.AddMajor(position, Label(j * Math.Pow(10, k)));
                else ticks.AddMinor(position);
            }
        }
        return ticks;

        static string Label(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
    }
}
