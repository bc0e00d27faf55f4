namespace LossLab.Reporting;

/// <summary>One bar of a bar chart: a category and its value, with an optional ± error bar.</summary>
/// <param name="Label">Category shown under the bar, e.g. a loss name.</param>
/// <param name="Value">Bar height.</param>
/// <param name="Error">Half-length of the error bar (e.g. one standard deviation), or null for none.</param>
public sealed record BarGroup(string Label, double Value, double? Error = null);
