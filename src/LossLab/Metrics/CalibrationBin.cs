namespace LossLab.Metrics;

/// <summary>One bin of a reliability diagram: the rows whose top-1 confidence lies in (<see cref="Lower"/>, <see cref="Upper"/>].</summary>
/// <param name="Lower">Lower edge (exclusive; the first bin also holds a confidence of exactly 0).</param>
/// <param name="Upper">Upper edge (inclusive).</param>
/// <param name="Count">Rows in the bin.</param>
/// <param name="MeanConfidence">Mean top-1 confidence of those rows; 0 for an empty bin.</param>
/// <param name="Accuracy">Fraction of those rows whose top-1 class is the label; 0 for an empty bin.</param>
public sealed record CalibrationBin(double Lower, double Upper, long Count, double MeanConfidence, double Accuracy);
