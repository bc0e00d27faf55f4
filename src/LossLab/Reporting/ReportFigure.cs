namespace LossLab.Reporting;

/// <summary>A figure of a report: its PNG and SVG files and what it shows.</summary>
/// <param name="Caption">What the figure shows, and the paper's figure it corresponds to.</param>
/// <param name="Files">The PNG and SVG written by <see cref="PlotWriter"/>.</param>
public sealed record ReportFigure(string Caption, SavedPlot Files);
