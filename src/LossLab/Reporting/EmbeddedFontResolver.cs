using System.Reflection;
using ScottPlot;
using SkiaSharp;

namespace LossLab.Reporting;

/// <summary>
/// Serves DejaVu Sans (regular and bold) from the LossLab assembly, so that text renders identically on
/// machines without any system font: SkiaSharp's NoDependencies build only scans /usr/share/fonts and
/// draws no text at all when it finds nothing there.
/// </summary>
internal sealed class EmbeddedFontResolver : IFontResolver
{
    /// <summary>Family name the embedded font answers to (also written into SVG text).</summary>
    public const string Family = "DejaVu Sans";

    private static readonly Lazy<SKTypeface> Regular = new(() => Load("DejaVuSans.ttf"));
    private static readonly Lazy<SKTypeface> Bold = new(() => Load("DejaVuSans-Bold.ttf"));
    private static readonly Lazy<bool> Registration = new(() =>
    {
        Fonts.FontResolvers.Insert(0, new EmbeddedFontResolver());
        return true;
    });

    private EmbeddedFontResolver()
    {
    }

    /// <summary>Puts the resolver first in ScottPlot's global list (once per process).</summary>
    public static void EnsureRegistered() => _ = Registration.Value;

    /// <inheritdoc />
    public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
        CreateTypeface(fontName, weight >= FontWeight.SemiBold, slant != FontSlant.Upright);

    /// <inheritdoc />
    public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
        string.Equals(fontName, Family, StringComparison.OrdinalIgnoreCase)
            ? (bold ? Bold.Value : Regular.Value)
            : null;

    private static SKTypeface Load(string file)
    {
        var resource = $"LossLab.Reporting.Fonts.{file}";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded font '{resource}' is missing from the LossLab assembly");
        using var data = SKData.Create(stream);
        return SKTypeface.FromData(data)
            ?? throw new InvalidOperationException($"embedded font '{resource}' could not be decoded");
    }
}
