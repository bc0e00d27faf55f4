namespace LossLab.Reporting;

/// <summary>One line of a line plot: points (X[i], Y[i]) joined in order.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="X">X coordinates, e.g. epochs.</param>
/// <param name="Y">Y coordinates, same length as <paramref name="X"/>, all finite.</param>
public sealed record Series(string Name, double[] X, double[] Y);
