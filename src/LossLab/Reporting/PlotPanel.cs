namespace LossLab.Reporting;

/// <summary>One panel of a small-multiples figure: a title and the series drawn on the panel's own y scale.</summary>
/// <param name="Title">Shown above the panel, e.g. a loss name.</param>
/// <param name="Series">At least one series.</param>
public sealed record PlotPanel(string Title, IReadOnlyList<Series> Series);
