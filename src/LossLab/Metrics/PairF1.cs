namespace LossLab.Metrics;

/// <summary>
/// Pair-counting F1 of a clustering against true classes (SPEC §5), the metric-learning
/// protocol's "F1": over all unordered pairs of samples, a pair is predicted positive when both
/// samples share a cluster and truly positive when they share a class.
/// </summary>
public static class PairF1
{
    /// <summary>
    /// precision = Σ_cells C(n,2) / Σ_clusters C(n,2), recall = Σ_cells C(n,2) / Σ_classes C(n,2),
    /// F1 = 2PR / (P + R), from the contingency table. A zero denominator gives 0 for that
    /// term (zero_division=0), so all-singleton clusterings score 0.
    /// </summary>
    /// <param name="clusters">Cluster of each sample (arbitrary integers).</param>
    /// <param name="labels">Class of each sample (arbitrary integers), same length.</param>
    public static double Compute(ReadOnlySpan<long> clusters, ReadOnlySpan<long> labels)
    {
        if (clusters.Length == 0)
        {
            throw new ArgumentException("No samples to evaluate.", nameof(clusters));
        }

        var table = ContingencyTable.Build(clusters, labels);
        var together = SumOfPairs(table.CellCounts);
        var predicted = SumOfPairs(table.RowTotals);
        var actual = SumOfPairs(table.ColumnTotals);
        var precision = predicted > 0 ? together / predicted : 0.0;
        var recall = actual > 0 ? together / actual : 0.0;
        return precision + recall > 0 ? 2.0 * precision * recall / (precision + recall) : 0.0;
    }

    // Σ C(n, 2) in double: exact below 2^53 pairs, i.e. for up to ~10^8 samples.
    private static double SumOfPairs(long[] counts)
    {
        var sum = 0.0;
        foreach (var n in counts)
        {
            sum += n * (n - 1) / 2.0;
        }

        return sum;
    }
}
