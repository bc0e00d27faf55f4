namespace LossLab.Cli.Benchmarking;

/// <summary>Median of repeated timings: robust to the occasional slow repeat on a shared machine.</summary>
internal static class Medians
{
    /// <summary>The median (mean of the middle two for an even count); NaN for none.</summary>
    public static double Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
