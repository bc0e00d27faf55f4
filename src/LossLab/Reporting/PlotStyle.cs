namespace LossLab.Reporting;

/// <summary>Size and typography of a figure written by <see cref="PlotWriter"/>.</summary>
public sealed record PlotStyle
{
    /// <summary>The defaults: 800×500 pixels, 18/15/12/12 pt title/axis/tick/legend text, 2 px lines.</summary>
    public static PlotStyle Default { get; } = new();

    /// <summary>Image width in pixels (default 800).</summary>
    public int Width { get; init; } = 800;

    /// <summary>Image height in pixels (default 500); for a figure of panels, the height of each row of panels.</summary>
    public int Height { get; init; } = 500;

    /// <summary>Title font size (default 18).</summary>
    public float TitleFontSize { get; init; } = 18;

    /// <summary>Axis label font size (default 15).</summary>
    public float AxisLabelFontSize { get; init; } = 15;

    /// <summary>Tick label font size (default 12).</summary>
    public float TickFontSize { get; init; } = 12;

    /// <summary>Legend font size (default 12).</summary>
    public float LegendFontSize { get; init; } = 12;

    /// <summary>Line width of line plots in pixels (default 2).</summary>
    public float LineWidth { get; init; } = 2;

    /// <summary>Marker diameter of line plots in pixels; 0 draws no markers (default 5).</summary>
    public float MarkerSize { get; init; } = 5;

    /// <summary>Legend to the right of the data area, where it never hides a curve (default true); otherwise inside, lower right.</summary>
    public bool LegendOutside { get; init; } = true;
}
