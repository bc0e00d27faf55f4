namespace LossLab.Metrics;

/// <summary>True and predicted classes of N samples, as read from a predictions CSV, with their class probabilities when the file gives them.</summary>
/// <param name="Labels">(N) true class ids.</param>
/// <param name="Predictions">(N) predicted class ids.</param>
/// <param name="Probabilities">N × C probabilities, row-major (columns <c>p0..p{C-1}</c>), or null when the file has none.</param>
/// <param name="NumClasses">C, the number of probability columns; 0 when there are none.</param>
public sealed record PredictionTable(long[] Labels, long[] Predictions, double[]? Probabilities = null, int NumClasses = 0);
