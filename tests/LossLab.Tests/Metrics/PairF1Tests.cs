using LossLab.Metrics;

namespace LossLab.Tests.Metrics;

public sealed class PairF1Tests
{
    [Fact]
    public void Should_MatchHandCount_When_ClustersMixClasses()
    {
        // Given clusters {a,b,c} {d,e,f} and classes {a,b} {c,d,e,f}:
        // same-cluster-and-class pairs ab, de, df, ef = 4; same-cluster pairs 3 + 3 = 6;
        // same-class pairs 1 + 6 = 7; so P = 4/6, R = 4/7, F1 = 8/13
        long[] clusters = [0, 0, 0, 1, 1, 1];
        long[] labels = [5, 5, 9, 9, 9, 9];

        // When the pair-counting F1 is computed
        var f1 = PairF1.Compute(clusters, labels);

        // Then it is the hand count
        Assert.Equal(8.0 / 13.0, f1, 1e-12);
    }

    [Fact]
    public void Should_MatchReference_When_ScoringScikitLearnClusters()
    {
        // Given scikit-learn's k-means clusters of the separated set and their reference scores
        var reference = MetricsReference.Root.GetProperty("separated");
        var clusters = MetricsReference.Longs(reference.GetProperty("sklearn_clusters"));
        var labels = MetricsReference.Longs(reference.GetProperty("labels"));

        // When pair-F1 and NMI score the same clusters
        var f1 = PairF1.Compute(clusters, labels);
        var nmi = ClassificationMetrics.Nmi(clusters, labels);

        // Then both equal the independent computation
        Assert.Equal(reference.GetProperty("pair_f1").GetDouble(), f1, 1e-9);
        Assert.Equal(reference.GetProperty("kmeans_nmi").GetDouble(), nmi, 1e-9);
    }

    [Fact]
    public void Should_BeZero_When_EveryClusterIsASingleton()
    {
        // Given one cluster per sample (no predicted pairs)
        long[] clusters = [0, 1, 2, 3];
        long[] labels = [0, 0, 1, 1];

        // When pair-F1 is computed
        var f1 = PairF1.Compute(clusters, labels);

        // Then precision 0/0 counts as 0 and so does F1
        Assert.Equal(0.0, f1);
    }
}
