using ScottPlot;

namespace LossLab.Reporting;

/// <summary>
/// Writes figures as PNG and SVG side by side (headless; ScottPlot on SkiaSharp), with DejaVu Sans
/// embedded so text renders on machines without fonts. Each file is written to a temporary name and then
/// renamed, so a reader never sees half a figure.
/// </summary>
public static class PlotWriter
{
    /// <summary>Writes a line plot, one line per series, with a legend.</summary>
    /// <param name="pathWithoutExtension">Target path; <c>.png</c> and <c>.svg</c> are appended. Missing directories are created.</param>
    /// <param name="title">Figure title (empty for none).</param>
    /// <param name="xLabel">X axis label.</param>
    /// <param name="yLabel">Y axis label.</param>
    /// <param name="series">At least one series; each with X and Y of equal length and finite values.</param>
    /// <param name="style">Size and fonts; <see cref="PlotStyle.Default"/> when null.</param>
    /// <returns>The two files written.</returns>
    public static SavedPlot SaveLines(string pathWithoutExtension, string title, string xLabel, string yLabel, IReadOnlyList<Series> series, PlotStyle? style = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pathWithoutExtension);
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0)
        {
            throw new ArgumentException("at least one series is needed", nameof(series));
        }

        foreach (var s in series)
        {
            ArgumentNullException.ThrowIfNull(s, nameof(series));
            ArgumentNullException.ThrowIfNull(s.X, nameof(series));
            ArgumentNullException.ThrowIfNull(s.Y, nameof(series));
            if (s.X.Length != s.Y.Length)
            {
                throw new ArgumentException($"series '{s.Name}' has {s.X.Length} x values but {s.Y.Length} y values", nameof(series));
            }

            if (!s.X.Concat(s.Y).All(double.IsFinite))
            {
                throw new ArgumentException($"series '{s.Name}' has a NaN or infinite value", nameof(series));
            }
        }

        style = Validate(style);
        using var plot = NewPlot(title, xLabel, yLabel, style);
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < series.Count; i++)
        {
            var line = plot.Add.Scatter(series[i].X, series[i].Y, palette.GetColor(i));
            line.LegendText = series[i].Name;
            line.LineWidth = style.LineWidth;
            line.MarkerSize = style.MarkerSize;
        }

        ShowLegend(plot, style);
        return Save(plot, pathWithoutExtension, style);
    }

    /// <summary>Writes a bar chart of one series (no legend), with error bars where given.</summary>
    /// <param name="pathWithoutExtension">Target path; <c>.png</c> and <c>.svg</c> are appended.</param>
    /// <param name="title">Figure title (empty for none).</param>
    /// <param name="xLabel">X axis label (under the category names).</param>
    /// <param name="yLabel">Y axis label.</param>
    /// <param name="bars">At least one bar, finite values, non-negative errors.</param>
    /// <param name="style">Size and fonts; <see cref="PlotStyle.Default"/> when null.</param>
    /// <returns>The two files written.</returns>
    public static SavedPlot SaveBars(string pathWithoutExtension, string title, string xLabel, string yLabel, IReadOnlyList<BarGroup> bars, PlotStyle? style = null)
    {
        ArgumentNullException.ThrowIfNull(bars);
        return SaveBars(pathWithoutExtension, title, xLabel, yLabel, [new BarSeries(string.Empty, bars)], style);
    }

    /// <summary>
    /// Writes a grouped bar chart: one group per label, one bar per series inside each group (coloured
    /// per series, with a legend when there are several series), with error bars where given.
    /// </summary>
    /// <param name="pathWithoutExtension">Target path; <c>.png</c> and <c>.svg</c> are appended.</param>
    /// <param name="title">Figure title (empty for none).</param>
    /// <param name="xLabel">X axis label (under the category names).</param>
    /// <param name="yLabel">Y axis label.</param>
    /// <param name="series">At least one series; all with the same labels in the same order.</param>
    /// <param name="style">Size and fonts; <see cref="PlotStyle.Default"/> when null.</param>
    /// <returns>The two files written.</returns>
    public static SavedPlot SaveBars(string pathWithoutExtension, string title, string xLabel, string yLabel, IReadOnlyList<BarSeries> series, PlotStyle? style = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pathWithoutExtension);
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0 || series.Any(s => s is null || s.Bars is null || s.Bars.Count == 0))
        {
            throw new ArgumentException("at least one series with at least one bar is needed", nameof(series));
        }

        var labels = series[0].Bars.Select(b => b.Label).ToArray();
        foreach (var s in series)
        {
            if (!s.Bars.Select(b => b.Label).SequenceEqual(labels))
            {
                throw new ArgumentException(
                    $"series '{s.Name}' has labels [{string.Join(", ", s.Bars.Select(b => b.Label))}], expected [{string.Join(", ", labels)}]", nameof(series));
            }

            var bad = s.Bars.FirstOrDefault(b => !double.IsFinite(b.Value) || b.Error is { } e && (!double.IsFinite(e) || e < 0));
            if (bad is not null)
            {
                throw new ArgumentException($"series '{s.Name}', bar '{bad.Label}': value {bad.Value} and error {bad.Error} must be finite, error >= 0", nameof(series));
            }
        }

        style = Validate(style);
        using var plot = NewPlot(title, xLabel, yLabel, style);
        var palette = new ScottPlot.Palettes.Category10();
        const double groupWidth = 0.8;
        var barWidth = groupWidth / series.Count;
        for (var s = 0; s < series.Count; s++)
        {
            var color = palette.GetColor(s);
            var offset = -groupWidth / 2 + barWidth * (s + 0.5);
            var bars = series[s].Bars.Select((b, g) => new Bar
            {
                Position = g + offset,
                Value = b.Value,
                Error = b.Error ?? 0,
                ErrorPositive = b.Error is not null,
                ErrorNegative = b.Error is not null,
                LineWidth = 1.5f,
                Size = barWidth * 0.95,
                FillColor = color,
            }).ToArray();
            var barPlot = plot.Add.Bars(bars);
            barPlot.LegendText = series[s].Name;
        }

        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            Enumerable.Range(0, labels.Length).Select(i => (double)i).ToArray(), labels);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.HideGrid();
        plot.Axes.Margins(bottom: 0);
        if (series.Count > 1)
        {
            ShowLegend(plot, style);
        }

        return Save(plot, pathWithoutExtension, style);
    }

    private static PlotStyle Validate(PlotStyle? style)
    {
        style ??= PlotStyle.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(style.Width, 100, "style.Width");
        ArgumentOutOfRangeException.ThrowIfLessThan(style.Height, 100, "style.Height");
        foreach (var (size, name) in new[]
                 {
                     (style.TitleFontSize, "style.TitleFontSize"), (style.AxisLabelFontSize, "style.AxisLabelFontSize"),
                     (style.TickFontSize, "style.TickFontSize"), (style.LegendFontSize, "style.LegendFontSize"),
                     (style.LineWidth, "style.LineWidth"),
                 })
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size, name);
        }

        ArgumentOutOfRangeException.ThrowIfNegative(style.MarkerSize, "style.MarkerSize");
        return style;
    }

    private static Plot NewPlot(string title, string xLabel, string yLabel, PlotStyle style)
    {
        EmbeddedFontResolver.EnsureRegistered();
        var plot = new Plot();
        if (!string.IsNullOrEmpty(title))
        {
            plot.Title(title, style.TitleFontSize);
        }

        plot.XLabel(xLabel ?? string.Empty, style.AxisLabelFontSize);
        plot.YLabel(yLabel ?? string.Empty, style.AxisLabelFontSize);

        // Name the font on each label rather than with plot.Font.Set, which pins one regular-weight
        // typeface everywhere and so drops the title's bold.
        LabelStyle[] labels =
        [
            plot.Axes.Title.Label, plot.Axes.Bottom.Label, plot.Axes.Left.Label,
            plot.Axes.Bottom.TickLabelStyle, plot.Axes.Left.TickLabelStyle,
        ];
        foreach (var label in labels)
        {
            label.FontName = EmbeddedFontResolver.Family;
        }

        plot.Axes.Title.Label.Bold = true;
        plot.Axes.Bottom.Label.Bold = false;
        plot.Axes.Left.Label.Bold = false;
        plot.Axes.Bottom.TickLabelStyle.FontSize = style.TickFontSize;
        plot.Axes.Left.TickLabelStyle.FontSize = style.TickFontSize;
        plot.Legend.FontName = EmbeddedFontResolver.Family;
        plot.Legend.FontSize = style.LegendFontSize;
        return plot;
    }

    private static void ShowLegend(Plot plot, PlotStyle style)
    {
        if (style.LegendOutside)
        {
            plot.ShowLegend(Edge.Right);
        }
        else
        {
            plot.ShowLegend(Alignment.LowerRight);
        }
    }

    private static SavedPlot Save(Plot plot, string pathWithoutExtension, PlotStyle style)
    {
        var basePath = Path.GetFullPath(pathWithoutExtension);
        var directory = Path.GetDirectoryName(basePath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var png = basePath + ".png";
        var svg = basePath + ".svg";
        WriteAtomically(png, plot.GetImageBytes(style.Width, style.Height, ImageFormat.Png));
        WriteAtomically(svg, System.Text.Encoding.UTF8.GetBytes(plot.GetSvgXml(style.Width, style.Height)));
        return new SavedPlot(png, svg);
    }

    private static void WriteAtomically(string path, byte[] content)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temporary, content);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
