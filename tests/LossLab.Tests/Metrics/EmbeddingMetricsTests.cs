using LossLab.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Tests.Metrics;

public sealed class EmbeddingMetricsTests
{
    [Fact]
    public void Should_MatchReferences_When_EvaluatingUnnormalisedEmbeddings()
    {
        // Given the separated set (k-means reference) and the overlapping set (Recall@K reference), unnormalised
        var separated = MetricsReference.Root.GetProperty("separated");
        var overlapping = MetricsReference.Root.GetProperty("overlapping");

        // When both are evaluated
        var clusterReport = Evaluate(separated, 6);
        var recallReport = Evaluate(overlapping, 5);

        // Then the k-means scores track scikit-learn's and Recall@K is the brute force
        Assert.Equal(separated.GetProperty("kmeans_nmi").GetDouble(), clusterReport.KMeansNmi, 0.01);
        Assert.Equal(separated.GetProperty("pair_f1").GetDouble(), clusterReport.PairF1, 0.01);
        var recall = overlapping.GetProperty("recall");
        Assert.Equal(recall.GetProperty("1").GetDouble(), recallReport.RecallAt1);
        Assert.Equal(recall.GetProperty("2").GetDouble(), recallReport.RecallAt2);
        Assert.Equal(recall.GetProperty("4").GetDouble(), recallReport.RecallAt4);
        Assert.Equal(recall.GetProperty("8").GetDouble(), recallReport.RecallAt8);
        Assert.InRange(recallReport.KMeansNmi, 0.2, 0.95);
    }

    [Fact]
    public void Should_GiveTheSameReport_When_TheEmbeddingsAreFloat64OrATransposedView()
    {
        // Given the overlapping set as float32, as float64 and as the transpose of its transpose (not contiguous)
        var overlapping = MetricsReference.Root.GetProperty("overlapping");
        var dim = overlapping.GetProperty("dim").GetInt32();
        var values = MetricsReference.Floats(overlapping.GetProperty("embeddings"));
        using var x = torch.tensor(values, [values.Length / dim, dim]);
        using var doubles = x.to(ScalarType.Float64);
        using var transposed = x.t().contiguous();
        using var view = transposed.t();
        using var labels = torch.tensor(MetricsReference.Longs(overlapping.GetProperty("labels")));

        // When each is evaluated
        var expected = EmbeddingMetrics.Compute(x, labels, 5);
        var fromDoubles = EmbeddingMetrics.Compute(doubles, labels, 5);
        var fromView = EmbeddingMetrics.Compute(view, labels, 5);

        // Then the reports are the same
        Assert.False(view.is_contiguous());
        Assert.Equal(expected, fromDoubles);
        Assert.Equal(expected, fromView);
    }

    [Fact]
    public void Should_RejectTheEmbeddings_When_TheyContainNaN()
    {
        // Given embeddings with one NaN
        using var x = torch.randn(20, 4);
        x[3, 2] = torch.tensor(float.NaN);
        using var labels = torch.zeros(20, ScalarType.Int64);

        // When they are evaluated, then the error names them
        var error = Assert.Throws<ArgumentException>(() => EmbeddingMetrics.Compute(x, labels, 2));
        Assert.Equal("embeddings", error.ParamName);
    }

    [Fact]
    public void Should_UseSnakeCaseKeys_When_ConvertedToDictionary()
    {
        // Given a report
        var report = new EmbeddingReport(0.1, 0.2, 0.3, 0.4, 0.5, 0.6);

        // When converted for JSON
        var values = report.ToDictionary();

        // Then the keys and their order are the documented ones
        Assert.Equal(["kmeans_nmi", "pair_f1", "recall_at_1", "recall_at_2", "recall_at_4", "recall_at_8"], values.Keys);
        Assert.Equal([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], values.Values);
    }

    private static EmbeddingReport Evaluate(System.Text.Json.JsonElement reference, int numClasses)
    {
        var dim = reference.GetProperty("dim").GetInt32();
        var values = MetricsReference.Floats(reference.GetProperty("embeddings"));
        using var x = torch.tensor(values, [values.Length / dim, dim]).mul_(3);
        using var labels = torch.tensor(MetricsReference.Longs(reference.GetProperty("labels")));
        return EmbeddingMetrics.Compute(x, labels, numClasses, EmbeddingMetricOptions.Default);
    }
}
