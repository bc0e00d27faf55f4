namespace LossLab.Data;

/// <summary>Per-channel mean and standard deviation of uint8 pixels, on the [0, 1] scale.</summary>
internal static class PixelStatistics
{
    /// <summary>Statistics from pixel-value counts (population standard deviation, exact sums).</summary>
    /// <param name="histogram">channels × 256 counts, channel-major.</param>
    /// <param name="channels">Number of channels to report (the first ones of the histogram).</param>
    public static (float[] Mean, float[] Std) FromHistogram(long[] histogram, int channels)
    {
        var mean = new float[channels];
        var std = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            double count = 0, sum = 0, sumSquares = 0;
            for (var v = 0; v < 256; v++)
            {
                double n = histogram[(c * 256) + v];
                count += n;
                sum += n * v;
                sumSquares += n * v * v;
            }

            var m = sum / count;
            mean[c] = (float)(m / 255.0);
            std[c] = (float)(Math.Sqrt(Math.Max((sumSquares / count) - (m * m), 0.0)) / 255.0);
        }

        return (mean, std);
    }
}
