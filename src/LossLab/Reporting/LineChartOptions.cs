namespace LossLab.Reporting;

/// <summary>What a line plot of <see cref="PlotWriter"/> shows beside its series.</summary>
public sealed record LineChartOptions
{
    /// <summary>The defaults: automatic x ticks, no band note, no markers.</summary>
    public static LineChartOptions Default { get; } = new();

    /// <summary>Ticks and grid lines on whole x values only, with no minor ticks (for epochs; default false).</summary>
    public bool IntegerXTicks { get; init; }

    /// <summary>
    /// Legend entry explaining the shaded bands, e.g. "shaded: ±1 sd over 3 seeds", with a grey swatch when some
    /// series has a band and as text alone when none has (e.g. "1 seed per curve: no spread shown"); null (the
    /// default) adds none. <see cref="PlotWriter.SavePanels"/> writes it once above the panels.
    /// </summary>
    public string? BandNote { get; init; }

    /// <summary>Vertical lines with legend entries (default none).</summary>
    public IReadOnlyList<XMarker> XMarkers { get; init; } = [];
}
