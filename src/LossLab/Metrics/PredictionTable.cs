namespace LossLab.Metrics;

/// <summary>True and predicted classes of N samples, as read from a predictions CSV.</summary>
/// <param name="Labels">(N) true class ids.</param>
/// <param name="Predictions">(N) predicted class ids.</param>
public sealed record PredictionTable(long[] Labels, long[] Predictions);
