namespace LossLab.Metrics;

/// <summary>Embedding metrics of one evaluation (SPEC §5, the metric-learning protocol).</summary>
/// <param name="KMeansNmi">NMI of the k-means clusters (k = number of classes) against the labels.</param>
/// <param name="PairF1">Pair-counting F1 of the k-means clusters against the labels.</param>
/// <param name="RecallAt1">Leave-one-out Recall@1 (the paper's "top-1 recall").</param>
/// <param name="RecallAt2">Leave-one-out Recall@2.</param>
/// <param name="RecallAt4">Leave-one-out Recall@4.</param>
/// <param name="RecallAt8">Leave-one-out Recall@8 (the paper's "top-8 recall").</param>
public sealed record EmbeddingReport(
    double KMeansNmi,
    double PairF1,
    double RecallAt1,
    double RecallAt2,
    double RecallAt4,
    double RecallAt8)
{
    /// <summary>
    /// The metrics under their snake_case names: <c>kmeans_nmi</c>, <c>pair_f1</c>,
    /// <c>recall_at_1</c>, <c>recall_at_2</c>, <c>recall_at_4</c>, <c>recall_at_8</c>.
    /// </summary>
    public IReadOnlyDictionary<string, double> ToDictionary() => new Dictionary<string, double>
    {
        ["kmeans_nmi"] = KMeansNmi,
        ["pair_f1"] = PairF1,
        ["recall_at_1"] = RecallAt1,
        ["recall_at_2"] = RecallAt2,
        ["recall_at_4"] = RecallAt4,
        ["recall_at_8"] = RecallAt8,
    };
}
