namespace LossLab.Reporting;

/// <summary>The files <see cref="PlotWriter"/> wrote for one figure.</summary>
/// <param name="PngPath">Full path of the PNG.</param>
/// <param name="SvgPath">Full path of the SVG.</param>
public sealed record SavedPlot(string PngPath, string SvgPath);
