namespace LossLab.Reporting;

/// <summary>
/// A named set of bars drawn in one colour, e.g. the F1 of every loss. In a grouped chart every series
/// has the same labels in the same order, and each label gets one bar per series side by side.
/// </summary>
/// <param name="Name">Legend text.</param>
/// <param name="Bars">One bar per category.</param>
public sealed record BarSeries(string Name, IReadOnlyList<BarGroup> Bars);
