namespace LossLab.Reporting;

/// <summary>One line of a line plot: points (X[i], Y[i]) joined in order, optionally inside a shaded band.</summary>
/// <param name="Name">Legend text (a panel of <see cref="PlotWriter.SavePanels"/> shows it as its title instead).</param>
/// <param name="X">X coordinates, e.g. epochs.</param>
/// <param name="Y">Y coordinates, same length as <paramref name="X"/>, all finite.</param>
public sealed record Series(string Name, double[] X, double[] Y)
{
    /// <summary>
    /// Half-width of a band drawn from Y[i] − Spread[i] to Y[i] + Spread[i] in the line's colour (e.g. one standard
    /// deviation over seeds); same length as <see cref="X"/>, finite and non-negative. Null (the default) draws no band.
    /// </summary>
    public double[]? Spread { get; init; }

    /// <summary>Index into the Category10 palette; null (the default) takes the series' position in its plot.</summary>
    public int? ColorIndex { get; init; }
}
