using System.Xml.Linq;
using LossLab.Reporting;
using SkiaSharp;

namespace LossLab.Tests.Reporting;

public sealed class PlotWriterTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly string directory = Path.Combine(Path.GetTempPath(), "losslab-plots-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Should_WriteDecodablePngAndSvg_When_SavingLines()
    {
        // Given two curves
        double[] epochs = [1, 2, 3, 4, 5];
        Series[] series = [new("improved", epochs, [0.2, 0.4, 0.5, 0.6, 0.63]), new("triplet", epochs, [0.1, 0.3, 0.4, 0.45, 0.5])];

        // When they are saved into a directory that does not exist yet
        var saved = PlotWriter.SaveLines(Path.Combine(directory, "sub", "f1"), "F1 per epoch", "epoch", "F1", series);

        // Then a 800×500 PNG and an SVG with the title, labels and legend are written, with no temporary files left
        Assert.Equal(Path.Combine(directory, "sub", "f1.png"), saved.PngPath);
        var png = File.ReadAllBytes(saved.PngPath);
        Assert.True(png.Length > 1024, $"PNG has {png.Length} bytes");
        Assert.Equal(PngSignature, png[..8]);
        using (var bitmap = SKBitmap.Decode(png))
        {
            Assert.Equal((800, 500), (bitmap.Width, bitmap.Height));
        }

        var texts = SvgTexts(saved.SvgPath);
        Assert.Contains("F1 per epoch", texts);
        Assert.Contains("epoch", texts);
        Assert.Contains("improved", texts);
        Assert.Contains("triplet", texts);
        Assert.Equal(["f1.png", "f1.svg"], Directory.GetFiles(Path.Combine(directory, "sub")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Should_DrawText_When_RenderedHeadless()
    {
        // Given the same plot twice, differing only in title text of equal length
        Series[] series = [new("a", [0, 1], [0, 1])];

        // When both are rendered
        var first = PlotWriter.SaveLines(Path.Combine(directory, "one"), "Accuracy", "x", "y", series);
        var second = PlotWriter.SaveLines(Path.Combine(directory, "two"), "Recall@1", "x", "y", series);

        // Then the title band differs (no font means no glyphs and identical images)
        using var a = SKBitmap.Decode(first.PngPath);
        using var b = SKBitmap.Decode(second.PngPath);
        var differing = 0;
        for (var y = 0; y < 40; y++)
        {
            for (var x = 0; x < a.Width; x++)
            {
                differing += a.GetPixel(x, y) != b.GetPixel(x, y) ? 1 : 0;
            }
        }

        Assert.True(differing > 100, $"only {differing} pixels of the title band differ");
    }

    [Fact]
    public void Should_ServeEmbeddedDejaVuSans_When_FontIsResolved()
    {
        // Given the embedded resolver, which does not depend on system fonts
        EmbeddedFontResolver.EnsureRegistered();

        // When regular and bold typefaces are requested through ScottPlot (shared instances: not disposed)
        var regular = ScottPlot.Fonts.GetTypeface(EmbeddedFontResolver.Family, bold: false, italic: false);
        var bold = ScottPlot.Fonts.GetTypeface(EmbeddedFontResolver.Family, bold: true, italic: false);

        // Then both are DejaVu Sans, in their own weights, with glyphs for ASCII text
        Assert.Equal("DejaVu Sans", regular.FamilyName);
        Assert.Equal(400, regular.FontStyle.Weight);
        Assert.Equal(700, bold.FontStyle.Weight);
        Assert.True(regular.ContainsGlyphs("Recall@8 F1 NMI"));
    }

    [Fact]
    public void Should_DrawGroupedBarsWithLegend_When_SavingSeveralBarSeries()
    {
        // Given two metrics for three losses, with error bars on one
        string[] losses = ["ce", "improved", "triplet"];
        BarSeries[] series =
        [
            new("Recall@1", losses.Select((l, i) => new BarGroup(l, 0.5 + 0.05 * i, 0.02)).ToArray()),
            new("Recall@8", losses.Select((l, i) => new BarGroup(l, 0.8 + 0.02 * i)).ToArray()),
        ];

        // When the chart is saved
        var saved = PlotWriter.SaveBars(Path.Combine(directory, "recall"), "Recall@K", "loss", "recall", series);

        // Then both files exist and the SVG names every loss and both series
        Assert.True(new FileInfo(saved.PngPath).Length > 1024);
        var texts = SvgTexts(saved.SvgPath);
        Assert.All(losses.Concat(["Recall@1", "Recall@8", "Recall@K"]), label => Assert.Contains(label, texts));
    }

    [Fact]
    public void Should_ReplaceFiles_When_SavingTwiceToThePath()
    {
        // Given a chart already saved once
        var path = Path.Combine(directory, "nmi");
        PlotWriter.SaveBars(path, "first", "loss", "NMI", [new BarGroup("ce", 0.4)]);

        // When a different chart is saved to the same path
        var saved = PlotWriter.SaveBars(path, "second", "loss", "NMI", [new BarGroup("ce", 0.4), new BarGroup("focal", 0.5, 0.1)]);

        // Then the files hold the new chart and nothing else is left in the directory
        var texts = SvgTexts(saved.SvgPath);
        Assert.Contains("second", texts);
        Assert.DoesNotContain("first", texts);
        Assert.Equal(2, Directory.GetFiles(directory).Length);
    }

    [Fact]
    public void Should_DrawOneBandPerSeriesInItsColourUnderEveryLine_When_SeriesHaveASpread()
    {
        // Given three mean curves with a spread, and a note explaining the bands
        double[] epochs = [1, 2, 3];
        Series[] series =
        [
            new("improved", epochs, [0.5, 0.6, 0.7]) { Spread = [0.05, 0.04, 0.09] },
            new("ce", epochs, [0.45, 0.55, 0.6]) { Spread = [0.01, 0.02, 0.01] },
            new("triplet", epochs, [0.4, 0.5, 0.65]) { Spread = [0.02, 0.03, 0.02] },
        ];
        var options = new LineChartOptions { BandNote = "shaded: ±1 sd over 3 seeds" };

        // When they are saved
        var saved = PlotWriter.SaveLines(Path.Combine(directory, "bands"), "", "epoch", "F1", series, options: options);

        // Then the SVG has one translucent band per series, each in the colour of one line and drawn before every line,
        // and the legend names the note (its grey swatch being the only other translucent fill)
        var svg = new SvgFigure(saved.SvgPath);
        var lines = svg.Strokes(PlotStyle.Default.LineWidth);
        var lineColors = lines.Select(l => l.Color).Distinct().ToArray();
        Assert.Equal(3, lineColors.Length);
        var bands = svg.TranslucentFills.Where(f => f.Element == "path").ToArray();
        Assert.Equal(lineColors.Order(), bands.Select(b => b.Color).Order());
        Assert.True(bands.Max(b => b.Order) < lines.Min(l => l.Order), "a band is drawn over a line");
        Assert.Equal("GRAY", Assert.Single(svg.TranslucentFills.Except(bands)).Color);
        Assert.Contains("shaded: ±1 sd over 3 seeds", svg.Texts.Select(t => t.Text));
    }

    [Fact]
    public void Should_DrawNoBandAndSayWhy_When_SeriesHaveNoSpread()
    {
        // Given single-run curves and a note saying so
        Series[] series = [new("a", [1, 2], [0.1, 0.2]), new("b", [1, 2], [0.2, 0.3])];

        // When they are saved
        var saved = PlotWriter.SaveLines(Path.Combine(directory, "nobands"), "", "epoch", "F1", series, options: new LineChartOptions { BandNote = "1 seed per curve: no spread shown" });

        // Then nothing translucent is drawn, and the note is in the legend
        var svg = new SvgFigure(saved.SvgPath);
        Assert.Empty(svg.TranslucentFills);
        Assert.Contains("1 seed per curve: no spread shown", svg.Texts.Select(t => t.Text));
    }

    [Fact]
    public void Should_TickWholeEpochsOnly_When_IntegerXTicksIsSet()
    {
        // Given three epochs, which automatic ticks label 1, 1.2, 1.4, …
        Series[] series = [new("a", [1, 2, 3], [0.74, 0.77, 0.75])];

        // When the curve is saved with and without integer ticks
        var automatic = new SvgFigure(PlotWriter.SaveLines(Path.Combine(directory, "auto"), "", "epoch", "F1", series).SvgPath);
        var integer = new SvgFigure(PlotWriter.SaveLines(Path.Combine(directory, "integer"), "", "epoch", "F1", series, options: new LineChartOptions { IntegerXTicks = true }).SvgPath);

        // Then the automatic axis has a fractional epoch and the integer one has exactly 1, 2 and 3
        Assert.Contains(automatic.BottomTickValues(), v => v != Math.Floor(v));
        Assert.Equal([1.0, 2.0, 3.0], integer.BottomTickValues().Order());
    }

    [Fact]
    public void Should_DrawOnePanelPerSeriesOnItsOwnScale_When_SavingPanels()
    {
        // Given three losses whose values lie far apart (one shared axis would flatten two of them)
        double[] epochs = [1, 2, 3];
        PlotPanel[] panels =
        [
            new("improved", [new Series("improved", epochs, [0.27, 0.11, 0.09]) { Spread = [0.01, 0.01, 0.005] }]),
            new("proxynca", [new Series("proxynca", epochs, [-5.1, -9.6, -10.8]) { Spread = [0.4, 0.2, 0.1], ColorIndex = 5 }]),
            new("npair", [new Series("npair", epochs, [275, 205, 185]) { Spread = [5, 7, 6], ColorIndex = 6 }]),
        ];
        var style = PlotStyle.Default with { Width = 900, Height = 300 };

        // When they are saved as small multiples with a band note
        var saved = PlotWriter.SavePanels(
            Path.Combine(directory, "panels"), "epoch", "training loss", panels, style, new LineChartOptions { IntegerXTicks = true, BandNote = "shaded: ±1 sd over 3 seeds" });

        // Then the SVG has three data areas, each title once, the note once, one band per panel in the colour of its line,
        // y ticks spanning each panel's own range, and whole epochs on the x axes; the PNG is one row high plus the note
        var svg = new SvgFigure(saved.SvgPath);
        Assert.Equal(3, svg.DataAreas);
        var texts = svg.Texts.Select(t => t.Text).ToArray();
        Assert.All(panels, p => Assert.Single(texts, t => t == p.Title));
        Assert.Single(texts, t => t == "shaded: ±1 sd over 3 seeds");
        var lineColors = svg.Strokes(style.LineWidth).Select(l => l.Color).Distinct().ToArray();
        Assert.Equal(3, lineColors.Length);
        Assert.Equal(lineColors.Order(), svg.TranslucentFills.Where(f => f.Element == "path").Select(f => f.Color).Order());
        Assert.Contains(svg.Numbers, v => v is > 0.09 and < 0.27 && v != Math.Floor(v));
        Assert.Contains(svg.Numbers, v => v is >= -10.8 and <= -5.1);
        Assert.Contains(svg.Numbers, v => v is >= 185 and <= 275);
        Assert.All(svg.BottomTickValues(), v => Assert.Equal(Math.Floor(v), v));
        using var bitmap = SKBitmap.Decode(saved.PngPath);
        Assert.Equal(900, bitmap.Width);
        Assert.InRange(bitmap.Height, 301, 360);
    }

    [Fact]
    public void Should_NameEachMarkerInTheLegend_When_XMarkersAreGiven()
    {
        // Given a score against beta, the chosen beta and the paper's
        Series[] series = [new("macro-F1", [2, 3, 4, 5, 7, 10], [0.70, 0.72, 0.74, 0.73, 0.71, 0.69])];
        XMarker[] markers = [new("chosen: beta=3.5", 3.5), new("paper: beta=4", 4, Dashed: true)];

        // When the plot is saved with the markers
        var saved = PlotWriter.SaveLines(Path.Combine(directory, "markers"), "", "beta", "score", series, options: new LineChartOptions { XMarkers = markers });

        // Then the legend names both, with a solid black line (a stroke) and a dashed grey one (written as filled dashes),
        // none of which the plot has without markers
        var svg = new SvgFigure(saved.SvgPath);
        Assert.Contains("chosen: beta=3.5", svg.Texts.Select(t => t.Text));
        Assert.Contains("paper: beta=4", svg.Texts.Select(t => t.Text));
        Assert.Contains(svg.Strokes(1.5), s => s.Color == "BLACK");
        Assert.True(svg.Filled("path", "gray") >= 2, "no dashed grey line in the plot and the legend");
        var plain = new SvgFigure(PlotWriter.SaveLines(Path.Combine(directory, "plain"), "", "beta", "score", series).SvgPath);
        Assert.DoesNotContain(plain.Strokes(1.5), s => s.Color == "BLACK");
        Assert.Equal(0, plain.Filled("path", "gray"));
    }

    [Fact]
    public void Should_DrawAccuracyGapAndDiagonalPerPanel_When_SavingReliabilityDiagrams()
    {
        // Given 15 equal-width bins for two losses: samples in bins 7 and 14 only (the rest empty, their means undefined)
        ReliabilityBins Bins(string name, double gap7, double gap14)
        {
            var confidence = Enumerable.Repeat(double.NaN, 15).ToArray();
            var accuracy = Enumerable.Repeat(double.NaN, 15).ToArray();
            var count = new long[15];
            (confidence[7], accuracy[7], count[7]) = (0.5, 0.5 - gap7, 100);
            (confidence[14], accuracy[14], count[14]) = (0.97, 0.97 - gap14, 300);
            return new ReliabilityBins(name, confidence, accuracy, count);
        }

        // ECE = (100 · 0.2 + 300 · 0.04) / 400 = 0.08 and (100 · 0.1 + 300 · 0) / 400 = 0.025
        ReliabilityBins[] panels = [Bins("ce", 0.2, 0.04), Bins("improved", 0.1, 0)];

        // When the diagrams are saved
        var saved = PlotWriter.SaveReliability(Path.Combine(directory, "reliability"), panels, PlotStyle.Default with { Width = 800, Height = 400 });

        // Then each panel is titled with its ECE and sample count, there are two data areas, and one line of keys above
        // them names the bars, the gap and the diagonal
        Assert.Equal(0.08, panels[0].ExpectedCalibrationError, 12);
        Assert.Equal(0.025, panels[1].ExpectedCalibrationError, 12);
        var svg = new SvgFigure(saved.SvgPath);
        var texts = svg.Texts.Select(t => t.Text).ToArray();
        Assert.Contains("ce (ECE 0.080, n = 400)", texts);
        Assert.Contains("improved (ECE 0.025, n = 400)", texts);
        Assert.Equal(2, svg.DataAreas);
        Assert.Single(texts, t => t == "accuracy = confidence");
        Assert.Single(texts, t => t == "gap to the bin's mean confidence");
        // Two non-empty bins per panel: accuracy bars in the panel's colour (and the key's swatch), translucent grey gap
        // bars where accuracy and confidence differ (three, and the key's swatch)
        Assert.Equal(3, svg.Filled("rect", "#1F77B4"));
        Assert.Equal(2, svg.Filled("rect", "#FF7F0E"));
        Assert.Equal(4, svg.TranslucentFills.Count(f => f.Element == "rect" && f.Color == "#696969"));
        Assert.True(new FileInfo(saved.PngPath).Length > 1024);
    }

    [Fact]
    public void Should_RejectBins_When_TheyAreInconsistent()
    {
        // Given bins of unequal lengths, with a negative count, with no samples, and with an accuracy above 1
        var path = Path.Combine(directory, "bad-bins");
        ReliabilityBins ragged = new("ragged", [0.5, 0.6], [0.5], [1, 1]);
        ReliabilityBins negative = new("negative", [0.5], [0.5], [-1]);
        ReliabilityBins empty = new("empty", [0.5], [0.5], [0]);
        ReliabilityBins above = new("above", [0.5, 0.7], [0.5, 1.2], [3, 4]);

        // When they are plotted
        // Then each is refused with a message naming the panel, and nothing is written
        foreach (var bins in new[] { ragged, negative, empty, above })
        {
            var error = Assert.Throws<ArgumentException>(() => PlotWriter.SaveReliability(path, [bins]));
            Assert.Contains(bins.Name, error.Message, StringComparison.Ordinal);
        }

        Assert.Throws<ArgumentException>(() => PlotWriter.SaveReliability(path, []));
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void Should_RejectInput_When_SeriesAreInconsistent()
    {
        // Given bad inputs
        var path = Path.Combine(directory, "bad");
        Series[] ragged = [new("ragged", [1, 2, 3], [1, 2])];
        Series[] nan = [new("nan", [1, 2], [1, double.NaN])];
        BarSeries[] mismatched = [new("a", [new BarGroup("ce", 1)]), new("b", [new BarGroup("focal", 1)])];

        // When they are plotted
        // Then each is refused with a message naming the problem, and nothing is written
        Assert.Contains("ragged", Assert.Throws<ArgumentException>(() => PlotWriter.SaveLines(path, "t", "x", "y", ragged)).Message, StringComparison.Ordinal);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => PlotWriter.SaveLines(path, "t", "x", "y", nan)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PlotWriter.SaveLines(path, "t", "x", "y", Array.Empty<Series>()));
        Assert.Contains("focal", Assert.Throws<ArgumentException>(() => PlotWriter.SaveBars(path, "t", "x", "y", mismatched)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PlotWriter.SaveBars(path, "t", "x", "y", [new BarGroup("ce", 1, -0.1)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => PlotWriter.SaveLines(path, "t", "x", "y", [new("a", [0.0], [0.0])], new PlotStyle { Width = 10 }));
        Assert.Contains("short", Assert.Throws<ArgumentException>(() => PlotWriter.SaveLines(path, "t", "x", "y", [new("short", [1, 2], [1, 2]) { Spread = [0.1] }])).Message, StringComparison.Ordinal);
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => PlotWriter.SaveLines(path, "t", "x", "y", [new("negative", [1, 2], [1, 2]) { Spread = [0.1, -0.1] }])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PlotWriter.SaveLines(path, "t", "x", "y", [new("a", [1.0], [1.0])], options: new LineChartOptions { XMarkers = [new XMarker("nan", double.NaN)] }));
        Assert.Throws<ArgumentException>(() => PlotWriter.SavePanels(path, "x", "y", []));
        Assert.Throws<ArgumentException>(() => PlotWriter.SavePanels(path, "x", "y", [new PlotPanel("empty", [])]));
        Assert.False(Directory.Exists(directory));
    }

    private static List<string> SvgTexts(string path)
    {
        var document = XDocument.Load(path);
        Assert.NotNull(document.Root);
        Assert.Equal("svg", document.Root.Name.LocalName);
        return document.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();
    }
}
