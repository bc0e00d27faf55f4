using LossLab.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Tests.Metrics;

public sealed class KMeansTests
{
    [Fact]
    public void Should_ScoreLikeScikitLearn_When_ClustersAreSeparated()
    {
        // Given six separated Gaussian clusters clustered by scikit-learn (n_init=10)
        var reference = MetricsReference.Root.GetProperty("separated");
        var labels = MetricsReference.Longs(reference.GetProperty("labels"));
        using var x = Normalised(reference);

        // When k-means with k = 6 runs with the default restarts
        using var result = KMeans.Fit(x, 6, seed: 0);
        var clusters = result.Assignments.data<long>().ToArray();

        // Then NMI and pair-F1 are within 0.01 of scikit-learn's
        Assert.Equal(reference.GetProperty("kmeans_nmi").GetDouble(), ClassificationMetrics.Nmi(clusters, labels), 0.01);
        Assert.Equal(reference.GetProperty("pair_f1").GetDouble(), PairF1.Compute(clusters, labels), 0.01);
    }

    [Fact]
    public void Should_RepeatTheClustering_When_SeedIsTheSame()
    {
        // Given overlapping clusters, where initialisation matters
        var reference = MetricsReference.Root.GetProperty("overlapping");
        using var x = Normalised(reference);

        // When k-means runs twice with seed 7 and once with seed 8
        using var first = KMeans.Fit(x, 5, restarts: 1, seed: 7);
        using var second = KMeans.Fit(x, 5, restarts: 1, seed: 7);
        using var other = KMeans.Fit(x, 5, restarts: 1, seed: 8);

        // Then the same seed gives the same assignments, centroids and inertia
        Assert.True(first.Assignments.equal(second.Assignments).all().item<bool>());
        Assert.True(first.Centroids.equal(second.Centroids).all().item<bool>());
        Assert.Equal(first.Inertia, second.Inertia);
        Assert.True(first.Iterations >= 1);

        // and another seed starts elsewhere (so the seed is really used)
        Assert.NotEqual(first.Inertia, other.Inertia);
    }

    [Fact]
    public void Should_StopWhenTheCentresSettle_When_TheyMoveLessThanTheTolerance()
    {
        // Given 3000 random points (no clear clusters: Lloyd takes many iterations to settle)
        using var points = UniformPoints(seed: 9);

        // When k-means runs until the assignments stop changing (tolerance 0), with the default
        // tolerance, and with one no centre shift can exceed
        using var exact = KMeans.Fit(points, 9, 1, 4, 300, tolerance: 0);
        using var tolerant = KMeans.Fit(points, 9, 1, 4, 300, KMeans.Tolerance);
        using var loose = KMeans.Fit(points, 9, 1, 4, 300, tolerance: 1e9);

        // Then the default stops earlier than exact convergence, within 1 % of its inertia, and the
        // loose run after the first update
        Assert.InRange(tolerant.Iterations, 2, exact.Iterations - 1);
        Assert.Equal(exact.Inertia, tolerant.Inertia, exact.Inertia * 0.01);
        Assert.Equal(1, loose.Iterations);
    }

    [Fact]
    public void Should_PlaceEveryPointAtItsNearestCentroid_When_Converged()
    {
        // Given overlapping clusters
        var reference = MetricsReference.Root.GetProperty("overlapping");
        using var x = Normalised(reference);

        // When k-means runs
        using var result = KMeans.Fit(x, 5, restarts: 2, seed: 1);

        // Then every point sits at its nearest centroid and the inertia is their squared distances
        using var distances = torch.cdist(x, result.Centroids).square();
        var (nearest, nearestIndex) = distances.min(1);
        using (nearest)
        using (nearestIndex)
        {
            Assert.True(nearestIndex.equal(result.Assignments).all().item<bool>());
            Assert.Equal(nearest.sum().item<float>(), result.Inertia, 1e-3);
        }

        Assert.Equal([5L, 8L], result.Centroids.shape);
    }

    [Fact]
    public void Should_NotDependOnThreads_When_SeedIsFixed()
    {
        // Given 3000 random points
        using var points = UniformPoints(seed: 5);

        // When k-means runs on 1 and on 2 libtorch threads
        var threads = torch.get_num_threads();
        KMeansResult one, two;
        try
        {
            torch.set_num_threads(1);
            one = KMeans.Fit(points, 9, restarts: 2, seed: 4);
            torch.set_num_threads(2);
            two = KMeans.Fit(points, 9, restarts: 2, seed: 4);
        }
        finally
        {
            torch.set_num_threads(threads);
        }

        // Then the clusterings are identical
        using (one)
        using (two)
        {
            Assert.Equal(one.Assignments.data<long>().ToArray(), two.Assignments.data<long>().ToArray());
            Assert.Equal(one.Centroids.data<float>().ToArray(), two.Centroids.data<float>().ToArray());
            Assert.Equal(one.Inertia, two.Inertia);
        }
    }

    [Fact]
    public void Should_KeepKClustersWithZeroInertia_When_PointsRepeat()
    {
        // Given 12 points with only 2 distinct values, and k = 4 (empty clusters are unavoidable)
        using var x = torch.tensor(new float[] { 1, 0, 0, 1 }, [2, 2]).repeat(6, 1);

        // When k-means runs
        using var result = KMeans.Fit(x, 4, restarts: 1);

        // Then every point sits on a centroid and the labels stay in range
        Assert.Equal(0.0, result.Inertia, 1e-9);
        var labels = result.Assignments.data<long>().ToArray();
        Assert.All(labels, l => Assert.InRange(l, 0, 3));
        Assert.Equal(labels[0], labels[2]);
        Assert.NotEqual(labels[0], labels[1]);
    }

    [Fact]
    public void Should_Fail_When_KExceedsThePoints()
    {
        // Given three points
        using var x = torch.randn(3, 2);

        // When four clusters are asked for, then the error names k
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => KMeans.Fit(x, 4));
        Assert.Equal("k", error.ParamName);
    }

    private static Tensor UniformPoints(int seed)
    {
        var rng = new Random(seed);
        var values = Enumerable.Range(0, 3000 * 7).Select(_ => (float)rng.NextDouble()).ToArray();
        return torch.tensor(values, [3000, 7]);
    }

    private static Tensor Normalised(System.Text.Json.JsonElement reference)
    {
        var dim = reference.GetProperty("dim").GetInt32();
        var values = MetricsReference.Floats(reference.GetProperty("embeddings"));
        using var x = torch.tensor(values, [values.Length / dim, dim]);
        return nn.functional.normalize(x, p: 2, dim: 1);
    }
}
