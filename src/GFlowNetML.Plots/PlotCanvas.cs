using ScottPlot;
using SkiaSharp;

namespace GFlowNetML.Plots;

/// <summary>The pictures' common ground: a plot with an installed font and a light grid, and panels of
/// <see cref="PanelWidth"/> × <see cref="PanelHeight"/> pixels composed side by side into one PNG.</summary>
internal static class PlotCanvas
{
    public const int PanelWidth = 560, PanelHeight = 480;

    private static readonly string[] PreferredFonts = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Open Sans", "Arial"];

    /// <summary>A new plot with the first installed preferred font and a light grid.</summary>
    public static Plot NewPlot()
    {
        var plot = new Plot();
        var installed = SKFontManager.Default.FontFamilies.ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (PreferredFonts.FirstOrDefault(installed.Contains) is { } font) plot.Font.Set(font);
        plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.12);
        return plot;
    }

    /// <summary>Renders the panels side by side into one PNG.</summary>
    public static byte[] Png(IReadOnlyList<Plot> panels)
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
        return data.ToArray();
    }

    /// <summary>Writes <paramref name="png"/> to <paramref name="path"/> (to a temporary name, then renamed); returns the path.</summary>
    public static string Save(string path, byte[] png)
    {
        string temporary = path + ".tmp";
        File.WriteAllBytes(temporary, png);
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    /// <summary>Breaks <paramref name="text"/> after commas into lines of at most about <paramref name="width"/> characters.</summary>
    internal static string Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new System.Text.StringBuilder();
        foreach (var part in text.Split(", "))
        {
            if (line.Length > 0 && line.Length + 2 + part.Length > width)
            {
                lines.Add(line.Append(',').ToString());
                line.Clear();
            }
            else if (line.Length > 0) line.Append(", ");
            line.Append(part);
        }
        lines.Add(line.ToString());
        return string.Join('\n', lines);
    }
}
