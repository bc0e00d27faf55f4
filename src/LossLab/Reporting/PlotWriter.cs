using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace LossLab.Reporting;

/// <summary>
/// Writes figures as PNG and SVG side by side (headless; ScottPlot on SkiaSharp), with DejaVu Sans
/// embedded so text renders on machines without fonts. Each file is written to a temporary name and then
/// renamed, so a reader never sees half a figure.
/// </summary>
public static class PlotWriter
{
    // Light enough that crossing bands stay readable and every line on top stays clear.
    private const double BandAlpha = 0.13;

    // The note's swatch stands alone on white, so it needs more ink than a band to be seen.
    private const double NoteSwatchAlpha = 0.35;

    private static readonly Color BandNoteColor = Colors.Gray;

    // Grey, not red: red is one of the panels' colours (Category10's fourth).
    private static readonly Color GapColor = Colors.DimGray.WithAlpha(0.35);

    private static readonly Color DiagonalColor = Colors.Black.WithAlpha(0.6);

    // Accuracy bars take each panel's colour; the key shows the first panel's.
    private static readonly Color AccuracyKeyColor = new ScottPlot.Palettes.Category10().GetColor(0);

    /// <summary>
    /// Writes a line plot, one line per series with a legend beside the data area. A series with a
    /// <see cref="Series.Spread"/> gets a shaded band in its colour, drawn under every line.
    /// </summary>
    /// <param name="pathWithoutExtension">Target path; <c>.png</c> and <c>.svg</c> are appended. Missing directories are created.</param>
    /// <param name="title">Figure title (empty for none).</param>
    /// <param name="xLabel">X axis label.</param>
    /// <param name="yLabel">Y axis label.</param>
    /// <param name="series">At least one series; each with X and Y of equal length and finite values.</param>
    /// <param name="style">Size and fonts; <see cref="PlotStyle.Default"/> when null.</param>
    /// <param name="options">Integer ticks, band note and markers; <see cref="LineChartOptions.Default"/> when null.</param>
    /// <returns>The two files written.</returns>
    public static SavedPlot SaveLines(
        string pathWithoutExtension, string title, string xLabel, string yLabel, IReadOnlyList<Series> series, PlotStyle? style = null, LineChartOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pathWithoutExtension);
        ValidateSeries(series, nameof(series));
        options = ValidateOptions(options);
        style = Validate(style);
        using var plot = NewPlot(title, xLabel, yLabel, style);
        AddSeries(plot, series, style, options);
        if (options.BandNote is { } note)
        {
            // A grey swatch where bands are drawn; text alone where none is (e.g. "1 seed per curve: no spread shown").
            plot.Legend.ManualItems.Add(series.Any(s => s.Spread is not null)
                ? new LegendItem { LabelText = note, FillColor = BandNoteColor.WithAlpha(NoteSwatchAlpha) }
                : new LegendItem { LabelText = note });
        }

        ShowLegend(plot, style);
        return Save(plot, pathWithoutExtension, style);
    }

    /// <summary>
    /// Writes small multiples: one panel per <see cref="PlotPanel"/>, in a grid of at most four columns, each panel
    /// titled and on its own y scale (a shared x label, the y label on the first column). Series keep their colours
    /// (<see cref="Series.ColorIndex"/>, else their position in the panel); a panel shows a legend only when it holds
    /// several series. The band note, when given and some series has a band, is written once above the panels.
    /// </summary>
    /// <param name="pathWithoutExtension">Target path; <c>.png</c> and <c>.svg</c> are appended.</param>
    /// <param name="xLabel">X axis label of every panel.</param>
    /// <param name="yLabel">Y axis label, on the panels of the first column.</param>
    /// <param name="panels">At least one panel, each with at least one valid series.</param>
    /// <param name="style">Width of the whole figure, height of each row of panels, and fonts; <see cref="PlotStyle.Default"/> when null.</param>
    /// <param name="options">Integer ticks, band note and markers (on every panel); <see cref="LineChartOptions.Default"/> when null.</param>
    /// <returns>The two files written.</returns>
    public static SavedPlot SavePanels(
        string pathWithoutExtension, string xLabel, string yLabel, IReadOnlyList<PlotPanel> panels, PlotStyle? style = null, LineChartOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pathWithoutExtension);
        ArgumentNullException.ThrowIfNull(panels);
        if (panels.Count == 0)
        {
            throw new ArgumentException("at least one panel is needed", nameof(panels));
        }

        foreach (var panel in panels)
        {
            ArgumentNullException.ThrowIfNull(panel, nameof(panels));
            ValidateSeries(panel.Series, nameof(panels));
        }

        options = ValidateOptions(options);
        style = Validate(style);
        var columns = GridColumns(panels.Count);
        var plots = new List<Plot>();
        try
        {
            for (var i = 0; i < panels.Count; i++)
            {
                var plot = NewPlot(panels[i].Title, xLabel, i % columns == 0 ? yLabel : string.Empty, style);
                plots.Add(plot);
                plot.Axes.Title.Label.FontSize = style.AxisLabelFontSize;
                AddSeries(plot, panels[i].Series, style, options);
                if (panels[i].Series.Count > 1 || options.XMarkers.Count > 0)
                {
                    plot.ShowLegend(Alignment.UpperRight);
                }
                else
                {
                    // The title names the one series; a legend would only hide data.
                    plot.HideLegend();
                }
            }

            var bands = panels.Any(p => p.Series.Any(s => s.Spread is not null));
            HeaderKey[] keys = options.BandNote is { } note ? [new HeaderKey(note, bands ? BandNoteColor.WithAlpha(NoteSwatchAlpha) : null)] : [];
            return SaveGrid(plots, columns, keys, pathWithoutExtension, style);
        }
        finally
        {
            foreach (var plot in plots)
            {
                plot.Dispose();
            }
        }
    }

    /// <summary>
    /// Writes reliability diagrams, one panel per model or loss: a bar per non-empty bin at the bin's place on the
    /// confidence axis, as high as the bin's accuracy, in the panel's palette colour; a translucent grey, outlined bar from the
    /// accuracy to the bin's mean confidence (the gap); the diagonal, where accuracy equals confidence. Each panel's
    /// title gives the expected calibration error and the number of samples; a line of keys above the panels explains the bars and the line.
    /// </summary>
    /// <param name="pathWithoutExtension">Target path; <c>.png</c> and <c>.svg</c> are appended.</param>
    /// <param name="panels">At least one; in each, equally many bins (≥ 1) in the three arrays, counts ≥ 0 and not all 0, and confidence and accuracy in [0, 1] wherever a bin holds samples.</param>
    /// <param name="style">Width of the whole figure, height of each row of panels, and fonts; <see cref="PlotStyle.Default"/> when null.</param>
    /// <returns>The two files written.</returns>
    public static SavedPlot SaveReliability(string pathWithoutExtension, IReadOnlyList<ReliabilityBins> panels, PlotStyle? style = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pathWithoutExtension);
        ArgumentNullException.ThrowIfNull(panels);
        if (panels.Count == 0)
        {
            throw new ArgumentException("at least one panel is needed", nameof(panels));
        }

        foreach (var bins in panels)
        {
            ValidateBins(bins, nameof(panels));
        }

        style = Validate(style);
        var columns = GridColumns(panels.Count);
        var palette = new ScottPlot.Palettes.Category10();
        var plots = new List<Plot>();
        try
        {
            for (var i = 0; i < panels.Count; i++)
            {
                var bins = panels[i];
                var count = bins.Count.Length;
                var width = 1.0 / count;
                var filled = Enumerable.Range(0, count).Where(k => bins.Count[k] > 0).ToArray();
                var title = string.Create(CultureInfo.InvariantCulture, $"{bins.Name} (ECE {bins.ExpectedCalibrationError:F3}, n = {bins.Count.Sum()})");
                var plot = NewPlot(title, "confidence", i % columns == 0 ? "accuracy" : string.Empty, style);
                plots.Add(plot);
                plot.Axes.Title.Label.FontSize = style.AxisLabelFontSize;
                var accuracy = plot.Add.Bars(filled.Select(k => new Bar
                {
                    Position = (k + 0.5) * width,
                    Value = bins.Accuracy[k],
                    Size = width,
                    FillColor = palette.GetColor(i),
                    LineColor = Colors.White,
                    LineWidth = 1,
                }).ToArray());
                var gap = plot.Add.Bars(filled.Where(k => bins.Accuracy[k] != bins.Confidence[k]).Select(k => new Bar
                {
                    Position = (k + 0.5) * width,
                    ValueBase = bins.Accuracy[k],
                    Value = bins.Confidence[k],
                    Size = width,
                    FillColor = GapColor,
                    LineColor = Colors.Black.WithAlpha(0.7),
                    LineWidth = 1,
                }).ToArray());
                var diagonal = plot.Add.Line(0, 0, 1, 1);
                diagonal.LineColor = DiagonalColor;
                diagonal.LinePattern = LinePattern.Dashed;
                diagonal.LineWidth = 1.5f;
                diagonal.MarkerSize = 0;
                plot.Axes.SetLimits(0, 1, 0, 1);
                // The keys above the panels explain the bars and the line: a legend inside would hide bars.
                plot.HideLegend();
            }

            HeaderKey[] keys =
            [
                new("accuracy per bin (the panel's colour)", AccuracyKeyColor),
                new("gap to the bin's mean confidence", GapColor),
                new("accuracy = confidence", DashedLine: true),
            ];
            return SaveGrid(plots, columns, keys, pathWithoutExtension, style);
        }
        finally
        {
            foreach (var plot in plots)
            {
                plot.Dispose();
            }
        }
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

    private static void ValidateSeries(IReadOnlyList<Series> series, string parameter)
    {
        ArgumentNullException.ThrowIfNull(series, parameter);
        if (series.Count == 0)
        {
            throw new ArgumentException("at least one series is needed", parameter);
        }

        foreach (var s in series)
        {
            ArgumentNullException.ThrowIfNull(s, parameter);
            ArgumentNullException.ThrowIfNull(s.X, parameter);
            ArgumentNullException.ThrowIfNull(s.Y, parameter);
            if (s.X.Length != s.Y.Length)
            {
                throw new ArgumentException($"series '{s.Name}' has {s.X.Length} x values but {s.Y.Length} y values", parameter);
            }

            if (!s.X.Concat(s.Y).All(double.IsFinite))
            {
                throw new ArgumentException($"series '{s.Name}' has a NaN or infinite value", parameter);
            }

            if (s.Spread is { } spread && (spread.Length != s.X.Length || !spread.All(v => double.IsFinite(v) && v >= 0)))
            {
                throw new ArgumentException($"series '{s.Name}' needs {s.X.Length} finite, non-negative spread values, got [{string.Join(", ", spread)}]", parameter);
            }

            if (s.ColorIndex is < 0)
            {
                throw new ArgumentException($"series '{s.Name}' has a negative colour index {s.ColorIndex}", parameter);
            }
        }
    }

    private static LineChartOptions ValidateOptions(LineChartOptions? options)
    {
        options ??= LineChartOptions.Default;
        ArgumentNullException.ThrowIfNull(options.XMarkers, "options.XMarkers");
        foreach (var marker in options.XMarkers)
        {
            ArgumentNullException.ThrowIfNull(marker, "options.XMarkers");
            if (!double.IsFinite(marker.X))
            {
                throw new ArgumentException($"marker '{marker.Label}' needs a finite x, got {marker.X}", nameof(options));
            }
        }

        return options;
    }

    private static void ValidateBins(ReliabilityBins bins, string parameter)
    {
        ArgumentNullException.ThrowIfNull(bins, parameter);
        ArgumentNullException.ThrowIfNull(bins.Confidence, parameter);
        ArgumentNullException.ThrowIfNull(bins.Accuracy, parameter);
        ArgumentNullException.ThrowIfNull(bins.Count, parameter);
        var count = bins.Count.Length;
        if (count == 0 || bins.Confidence.Length != count || bins.Accuracy.Length != count)
        {
            throw new ArgumentException(
                $"'{bins.Name}': confidence, accuracy and count need equally many bins (at least 1), got {bins.Confidence.Length}, {bins.Accuracy.Length} and {count}", parameter);
        }

        if (bins.Count.Any(n => n < 0) || bins.Count.All(n => n == 0))
        {
            throw new ArgumentException($"'{bins.Name}': counts must be >= 0 and not all 0, got [{string.Join(", ", bins.Count)}]", parameter);
        }

        static bool Probability(double v) => v is >= 0 and <= 1;
        var bad = Enumerable.Range(0, count).FirstOrDefault(k => bins.Count[k] > 0 && !(Probability(bins.Confidence[k]) && Probability(bins.Accuracy[k])), -1);
        if (bad >= 0)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"'{bins.Name}', bin {bad}: confidence {bins.Confidence[bad]} and accuracy {bins.Accuracy[bad]} must lie in [0, 1]"), parameter);
        }
    }

    /// <summary>Bands first (translucent, no outline), so that every line stays on top of every band; then lines, then markers.</summary>
    private static void AddSeries(Plot plot, IReadOnlyList<Series> series, PlotStyle style, LineChartOptions options)
    {
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < series.Count; i++)
        {
            if (series[i].Spread is { } spread)
            {
                var s = series[i];
                var band = plot.Add.FillY(s.X, s.Y.Select((y, k) => y - spread[k]).ToArray(), s.Y.Select((y, k) => y + spread[k]).ToArray());
                band.FillColor = palette.GetColor(s.ColorIndex ?? i).WithAlpha(BandAlpha);
                band.LineWidth = 0;
            }
        }

        for (var i = 0; i < series.Count; i++)
        {
            var line = plot.Add.Scatter(series[i].X, series[i].Y, palette.GetColor(series[i].ColorIndex ?? i));
            line.LegendText = series[i].Name;
            line.LineWidth = style.LineWidth;
            line.MarkerSize = style.MarkerSize;
        }

        foreach (var marker in options.XMarkers)
        {
            var line = plot.Add.VerticalLine(marker.X, 1.5f, marker.Dashed ? Colors.Gray : Colors.Black, marker.Dashed ? LinePattern.Dashed : LinePattern.Solid);
            line.LegendText = marker.Label;
        }

        if (options.IntegerXTicks)
        {
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
            plot.Axes.Bottom.MinorTickStyle.Length = 0;
        }
    }

    /// <summary>Up to four columns, as few rows as that allows, the panels spread evenly over the rows (7 → 4 + 3).</summary>
    private static int GridColumns(int panels)
    {
        var rows = (panels + 3) / 4;
        return (panels + rows - 1) / rows;
    }

    /// <summary>
    /// Renders the plots into a grid (row by row, each row <see cref="PlotStyle.Height"/> high) under an optional line of
    /// keys (the figure's one legend), as PNG and SVG.
    /// </summary>
    private static SavedPlot SaveGrid(IReadOnlyList<Plot> plots, int columns, IReadOnlyList<HeaderKey> keys, string pathWithoutExtension, PlotStyle style)
    {
        var rows = (plots.Count + columns - 1) / columns;
        var multiplot = new Multiplot();
        multiplot.Reset(plots[0]);
        foreach (var plot in plots.Skip(1))
        {
            multiplot.AddPlot(plot);
        }

        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        var size = style.LegendFontSize;
        var header = keys.Count == 0 ? 0 : (int)Math.Ceiling(size * 2.2);
        var height = header + (rows * style.Height);
        void Draw(SKCanvas canvas)
        {
            canvas.Clear(SKColors.White);

            // The grid layout places rows from the top of the canvas whatever the rectangle's top, so move the canvas.
            canvas.Save();
            canvas.Translate(0, header);
            multiplot.Render(canvas, new PixelRect(0, style.Width, 0, height - header));
            canvas.Restore();
            using var font = new SKFont(Fonts.GetTypeface(EmbeddedFontResolver.Family, bold: false, italic: false), size);
            using var text = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            var left = size;
            var middle = header / 2f;
            foreach (var key in keys)
            {
                if (key.Fill is { } fill)
                {
                    using var paint = new SKPaint { Color = fill.ToSKColor(), IsAntialias = true };
                    canvas.DrawRect(new SKRect(left, middle - (size / 2), left + (size * 1.5f), middle + (size / 2)), paint);
                    left += size * 2;
                }
                else if (key.DashedLine)
                {
                    using var effect = SKPathEffect.CreateDash([size * 0.4f, size * 0.25f], 0);
                    using var paint = new SKPaint { Color = DiagonalColor.ToSKColor(), IsAntialias = true, IsStroke = true, StrokeWidth = 1.5f, PathEffect = effect };
                    canvas.DrawLine(left, middle, left + (size * 1.5f), middle, paint);
                    left += size * 2;
                }

                canvas.DrawText(key.Text, left, middle + (size * 0.35f), SKTextAlign.Left, font, text);
                left += font.MeasureText(key.Text) + (size * 2);
            }
        }

        using var surface = SKSurface.Create(new SKImageInfo(style.Width, height)) ?? throw new InvalidOperationException("SkiaSharp could not create a raster surface");
        Draw(surface.Canvas);
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        using var svgStream = new MemoryStream();
        using (var writer = new SKManagedWStream(svgStream))
        {
            using var canvas = SKSvgCanvas.Create(new SKRect(0, 0, style.Width, height), writer);
            Draw(canvas);
        }

        return Write(pathWithoutExtension, png.ToArray(), svgStream.ToArray());
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

    private static SavedPlot Save(Plot plot, string pathWithoutExtension, PlotStyle style) =>
        Write(pathWithoutExtension, plot.GetImageBytes(style.Width, style.Height, ImageFormat.Png), System.Text.Encoding.UTF8.GetBytes(plot.GetSvgXml(style.Width, style.Height)));

    private static SavedPlot Write(string pathWithoutExtension, byte[] png, byte[] svg)
    {
        var basePath = Path.GetFullPath(pathWithoutExtension);
        var directory = Path.GetDirectoryName(basePath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var pngPath = basePath + ".png";
        var svgPath = basePath + ".svg";
        WriteAtomically(pngPath, png);
        WriteAtomically(svgPath, svg);
        return new SavedPlot(pngPath, svgPath);
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

    /// <summary>One key of the line above a grid of panels: a swatch, a dashed line or nothing, then its text.</summary>
    private sealed record HeaderKey(string Text, Color? Fill = null, bool DashedLine = false);
}
