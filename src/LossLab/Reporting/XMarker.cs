namespace LossLab.Reporting;

/// <summary>A vertical line at one x value of a line plot, named in the legend (e.g. the chosen beta).</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">Where the line stands, finite.</param>
/// <param name="Dashed">Dashed and grey when true (a reference value), solid and black otherwise (a result).</param>
public sealed record XMarker(string Label, double X, bool Dashed = false);
