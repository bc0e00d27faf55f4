namespace LossLab.Metrics;

/// <summary>
/// Calibration metrics of SPEC §5 for models that output class probabilities: expected calibration error with
/// equal-width bins of the top-1 confidence, negative log-likelihood and Brier score, in double precision.
/// The top-1 class of a row is its first largest probability (numpy's argmax); a bin is (lo, hi], the first bin also
/// holding a confidence of 0.
/// </summary>
public static class CalibrationMetrics
{
    /// <summary>The number of bins of the expected calibration error (15, as Guo et al. 2017).</summary>
    public const int DefaultBins = 15;

    /// <summary>Probabilities below this are raised to it in the NLL when only probabilities are given (−log of it is about 34.5).</summary>
    public const double MinProbability = 1e-15;

    /// <summary>Calibration of row-major (N, C) probabilities; the NLL clips p_label below at <see cref="MinProbability"/>.</summary>
    /// <param name="probabilities">N × C probabilities, row-major, each in [0, 1].</param>
    /// <param name="labels">N labels in [0, C).</param>
    /// <param name="numClasses">C ≥ 1.</param>
    /// <param name="bins">Number of equal-width confidence bins (default 15).</param>
    /// <exception cref="ArgumentException">Sizes that do not match, no rows, or a probability outside [0, 1].</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label outside [0, C), or fewer than 1 bin.</exception>
    public static CalibrationReport FromProbabilities(ReadOnlySpan<double> probabilities, ReadOnlySpan<long> labels, int numClasses, int bins = DefaultBins)
    {
        Check(probabilities, labels, numClasses, bins);
        var nll = 0.0;
        for (var i = 0; i < labels.Length; i++)
        {
            nll -= Math.Log(Math.Max(probabilities[(i * numClasses) + (int)labels[i]], MinProbability));
        }

        return Compute(probabilities, labels, numClasses, bins, nll / labels.Length);
    }

    /// <summary>
    /// Calibration of row-major (N, C) log-probabilities (e.g. a log-softmax): the probabilities are their exponentials
    /// and the NLL is exact, with no clipping.
    /// </summary>
    /// <param name="logProbabilities">N × C log-probabilities, row-major, each ≤ 0 (−∞ allowed).</param>
    /// <param name="labels">N labels in [0, C).</param>
    /// <param name="numClasses">C ≥ 1.</param>
    /// <param name="bins">Number of equal-width confidence bins (default 15).</param>
    public static CalibrationReport FromLogProbabilities(ReadOnlySpan<double> logProbabilities, ReadOnlySpan<long> labels, int numClasses, int bins = DefaultBins)
    {
        var probabilities = new double[logProbabilities.Length];
        for (var k = 0; k < probabilities.Length; k++)
        {
            probabilities[k] = Math.Exp(logProbabilities[k]);
        }

        Check(probabilities, labels, numClasses, bins);
        var nll = 0.0;
        for (var i = 0; i < labels.Length; i++)
        {
            nll -= logProbabilities[(i * numClasses) + (int)labels[i]];
        }

        return Compute(probabilities, labels, numClasses, bins, nll / labels.Length);
    }

    private static CalibrationReport Compute(ReadOnlySpan<double> p, ReadOnlySpan<long> labels, int numClasses, int binCount, double nll)
    {
        var n = labels.Length;
        // Edges as numpy.linspace makes them (k · step, the last exactly 1), so that a confidence on an edge falls in the same bin.
        var step = 1.0 / binCount;
        var edges = new double[binCount + 1];
        for (var k = 0; k < binCount; k++)
        {
            edges[k] = k * step;
        }

        edges[binCount] = 1.0;
        var counts = new long[binCount];
        var confidenceSums = new double[binCount];
        var correctCounts = new long[binCount];
        var brier = 0.0;
        for (var i = 0; i < n; i++)
        {
            var row = p.Slice(i * numClasses, numClasses);
            var top = 0;
            for (var c = 1; c < numClasses; c++)
            {
                if (row[c] > row[top])
                {
                    top = c;
                }
            }

            var confidence = row[top];
            // (lo, hi]: the bin index is the number of inner edges strictly below the confidence.
            var bin = 0;
            while (bin < binCount - 1 && edges[bin + 1] < confidence)
            {
                bin++;
            }

            counts[bin]++;
            confidenceSums[bin] += confidence;
            if (top == labels[i])
            {
                correctCounts[bin]++;
            }

            var squares = 0.0;
            for (var c = 0; c < numClasses; c++)
            {
                var target = c == labels[i] ? 1.0 : 0.0;
                squares += (row[c] - target) * (row[c] - target);
            }

            brier += squares;
        }

        var result = new CalibrationBin[binCount];
        var ece = 0.0;
        for (var b = 0; b < binCount; b++)
        {
            var meanConfidence = counts[b] > 0 ? confidenceSums[b] / counts[b] : 0.0;
            var accuracy = counts[b] > 0 ? (double)correctCounts[b] / counts[b] : 0.0;
            ece += (double)counts[b] / n * Math.Abs(accuracy - meanConfidence);
            result[b] = new CalibrationBin(edges[b], edges[b + 1], counts[b], meanConfidence, accuracy);
        }

        return new CalibrationReport(ece, nll, brier / n, result);
    }

    private static void Check(ReadOnlySpan<double> probabilities, ReadOnlySpan<long> labels, int numClasses, int bins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        if (labels.Length == 0)
        {
            throw new ArgumentException("calibration needs at least one row", nameof(labels));
        }

        if (probabilities.Length != (long)labels.Length * numClasses)
        {
            throw new ArgumentException(
                $"{labels.Length} labels need {labels.Length} × {numClasses} probabilities, got {probabilities.Length}", nameof(probabilities));
        }

        for (var k = 0; k < probabilities.Length; k++)
        {
            if (!(probabilities[k] >= 0 && probabilities[k] <= 1))
            {
                throw new ArgumentException(
                    $"probability of row {k / numClasses}, class {k % numClasses} is {probabilities[k]}, not in [0, 1]", nameof(probabilities));
            }
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if ((ulong)labels[i] >= (ulong)numClasses)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"label at row {i} is outside [0, {numClasses})");
            }
        }
    }
}
