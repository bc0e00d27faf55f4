using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace LossLab.Tests.Reporting;

/// <summary>Reads what a figure's SVG (as SkiaSharp writes it for ScottPlot) draws: bands, lines, texts, data areas.</summary>
internal sealed partial class SvgFigure
{
    private readonly XElement[] elements;

    public SvgFigure(string path)
    {
        var document = XDocument.Load(path);
        Assert.NotNull(document.Root);
        Assert.Equal("svg", document.Root.Name.LocalName);
        elements = document.Descendants().ToArray();
    }

    // ScottPlot's legend casts a translucent near-black shadow.
    private const string LegendShadow = "#010101";

    /// <summary>
    /// Translucent fills (fill set, fill-opacity below 1, not the legend's shadow) in drawing order: the shaded bands are
    /// paths, legend swatches and bars rectangles.
    /// </summary>
    public IReadOnlyList<(string Element, string Color, int Order)> TranslucentFills =>
        elements
            .Select((e, i) => (Element: e, Order: i))
            .Where(p => p.Element.Name.LocalName is "path" or "rect"
                && p.Element.Attribute("fill")?.Value is { } fill && fill != "none" && fill != LegendShadow
                && p.Element.Attribute("fill-opacity")?.Value is { } opacity && double.Parse(opacity, CultureInfo.InvariantCulture) < 1)
            .Select(p => (p.Element.Name.LocalName, p.Element.Attribute("fill")!.Value.ToUpperInvariant(), p.Order))
            .ToArray();

    /// <summary>Opaque filled shapes of one colour (a dashed line is written as its filled dashes, a bar as a rectangle).</summary>
    public int Filled(string element, string color) =>
        elements.Count(e => e.Name.LocalName == element
            && string.Equals(e.Attribute("fill")?.Value, color, StringComparison.OrdinalIgnoreCase)
            && e.Attribute("fill-opacity") is null);

    /// <summary>Stroked, unfilled paths at least <paramref name="minWidth"/> wide (data lines, not grid lines or ticks), in drawing order.</summary>
    public IReadOnlyList<(string Color, int Order)> Strokes(double minWidth) =>
        elements
            .Select((e, i) => (Element: e, Order: i))
            .Where(p => p.Element.Name.LocalName == "path"
                && p.Element.Attribute("fill")?.Value == "none"
                && p.Element.Attribute("stroke")?.Value is not null
                && double.Parse(p.Element.Attribute("stroke-width")?.Value ?? "1", CultureInfo.InvariantCulture) >= minWidth)
            .Select(p => (p.Element.Attribute("stroke")!.Value.ToUpperInvariant(), p.Order))
            .ToArray();

    /// <summary>Every text with the point it is drawn at.</summary>
    public IReadOnlyList<(string Text, double X, double Y)> Texts =>
        elements
            .Where(e => e.Name.LocalName == "text")
            .Select(e =>
            {
                var match = Translate().Match(e.Attribute("transform")?.Value ?? "");
                return match.Success
                    ? (e.Value.Trim(), double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture))
                    : (e.Value.Trim(), double.NaN, double.NaN);
            })
            .ToArray();

    /// <summary>
    /// The data areas (panels): distinct rectangles that clip groups holding drawings but no text (a legend clips its
    /// texts too).
    /// </summary>
    public int DataAreas =>
        elements
            .Where(e => e.Name.LocalName == "clipPath")
            .Where(clip => elements.Any(g => g.Name.LocalName == "g"
                && g.Attribute("clip-path")?.Value == $"url(#{clip.Attribute("id")?.Value})"
                && !g.Descendants().Any(d => d.Name.LocalName == "text")))
            .Select(e => e.Elements().First(c => c.Name.LocalName == "rect"))
            .Select(r => string.Join(",", new[] { "x", "y", "width", "height" }.Select(a => r.Attribute(a)?.Value ?? "0")))
            .Distinct()
            .Count();

    /// <summary>Every text that reads as a number.</summary>
    public IReadOnlyList<double> Numbers =>
        Texts
            .Select(t => double.TryParse(t.Text.Replace('−', '-'), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN)
            .Where(v => !double.IsNaN(v))
            .ToArray();

    /// <summary>The numeric tick labels under the lowest data area's x axis: the texts on the lowest row of numbers.</summary>
    public IReadOnlyList<double> BottomTickValues()
    {
        var numbers = Texts
            .Where(t => double.TryParse(t.Text.Replace('−', '-'), NumberStyles.Float, CultureInfo.InvariantCulture, out _) && !double.IsNaN(t.Y))
            .ToArray();
        var lowest = numbers.Max(t => t.Y);
        return numbers.Where(t => Math.Abs(t.Y - lowest) < 0.5).Select(t => double.Parse(t.Text.Replace('−', '-'), CultureInfo.InvariantCulture)).ToArray();
    }

    [GeneratedRegex(@"translate\(([-\d.eE]+)[ ,]+([-\d.eE]+)\)")]
    private static partial Regex Translate();
}
