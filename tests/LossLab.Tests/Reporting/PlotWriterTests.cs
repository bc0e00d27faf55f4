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
