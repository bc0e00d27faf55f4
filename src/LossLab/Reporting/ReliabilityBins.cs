namespace LossLab.Reporting;

/// <summary>
/// A reliability diagram's input for one model or loss: the test samples put into B equal-width confidence bins
/// (bin k holds confidences in [k/B, (k+1)/B), the last one including 1), with each bin's mean confidence, accuracy
/// and sample count.
/// </summary>
/// <param name="Name">Panel title, e.g. the loss.</param>
/// <param name="Confidence">Mean top-class probability per bin, in [0, 1]; any value (e.g. NaN) where the bin is empty.</param>
/// <param name="Accuracy">Fraction of correct predictions per bin, in [0, 1]; any value where the bin is empty.</param>
/// <param name="Count">Samples per bin, ≥ 0, not all 0.</param>
public sealed record ReliabilityBins(string Name, double[] Confidence, double[] Accuracy, long[] Count)
{
    /// <summary>
    /// Expected calibration error over these bins: Σ_k (n_k / N) |accuracy_k − confidence_k|, empty bins left out.
    /// </summary>
    public double ExpectedCalibrationError
    {
        get
        {
            var total = (double)Count.Sum();
            return Enumerable.Range(0, Count.Length).Where(k => Count[k] > 0).Sum(k => Count[k] / total * Math.Abs(Accuracy[k] - Confidence[k]));
        }
    }
}
