namespace LossLab.Reporting;

/// <summary>A paired Student t-test of a − b over matched pairs (e.g. two losses trained with the same seeds).</summary>
/// <param name="Count">Number of pairs n.</param>
/// <param name="MeanDifference">Mean of a − b.</param>
/// <param name="StdDifference">Sample standard deviation of a − b.</param>
/// <param name="T">t = mean / (sd / √n); ±∞ when every difference is the same non-zero value (up to rounding), 0 when all are 0.</param>
/// <param name="DegreesOfFreedom">n − 1.</param>
/// <param name="PValueTwoSided">P(|T| ≥ |t|) under the null hypothesis of no difference.</param>
/// <param name="PValueGreater">P(T ≥ t): the one-sided p-value of "a is greater than b".</param>
public sealed record PairedTestResult(int Count, double MeanDifference, double StdDifference, double T, int DegreesOfFreedom, double PValueTwoSided, double PValueGreater);
