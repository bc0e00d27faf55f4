using LossLab.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Tests.Metrics;

public sealed class RecallAtKTests
{
    [Fact]
    public void Should_EqualBruteForce_When_ClassesOverlap()
    {
        // Given overlapping clusters and NumPy's full-distance-matrix Recall@K
        var reference = MetricsReference.Root.GetProperty("overlapping");
        var (x, labels) = Load(reference);

        // When Recall@{1,2,4,8} is computed on the normalised embeddings
        using var normalised = nn.functional.normalize(x, p: 2, dim: 1);
        var recall = RecallAtK.Compute(normalised, labels, RecallAtK.DefaultKs);

        // Then every value is exactly the brute force
        var expected = RecallAtK.DefaultKs.Select(k => reference.GetProperty("recall").GetProperty($"{k}").GetDouble()).ToArray();
        Assert.Equal(expected, recall);
        Assert.True(expected[0] < 0.9, "the reference set must not be trivially separable");
        x.Dispose();
        labels.Dispose();
    }

    [Fact]
    public void Should_NotDependOnBlocksOrThreads_When_Computing()
    {
        // Given 203 random points (not a multiple of any block size) with four classes
        var rng = new Random(11);
        using var points = torch.tensor(Enumerable.Range(0, 203 * 6).Select(_ => (float)rng.NextDouble()).ToArray(), [203, 6]);
        using var labels = torch.tensor(Enumerable.Range(0, 203).Select(_ => (long)rng.Next(4)).ToArray());
        int[] ks = [1, 3, 8];

        // When recall is computed one query at a time on two threads and in one block on one thread
        var small = WithThreads(2, () => RecallAtK.Compute(points, labels, ks, blockRows: 1));
        var large = WithThreads(1, () => RecallAtK.Compute(points, labels, ks, blockRows: 10_000));

        // Then the results are identical and not degenerate
        Assert.Equal(large, small);
        Assert.InRange(large[0], 0.05, 0.95);
    }

    [Fact]
    public void Should_FindTheSameNeighboursAsTensorBruteForce_When_PointsAreRandom()
    {
        // Given 300 random points in 20 dimensions, searched in blocks of 7 queries
        torch.manual_seed(4);
        using var x = torch.randn(300, 20);

        // When the 5 nearest neighbours are searched
        using var nearest = RecallAtK.Nearest(x, 5, blockRows: 7);

        // Then they are the 5 smallest float64 distances with the point itself excluded
        using var x64 = x.to(ScalarType.Float64);
        using var distances = torch.cdist(x64, x64);
        distances.diagonal().fill_(double.PositiveInfinity);
        var (_, expected) = distances.topk(5, dim: 1, largest: false);
        using (expected)
        {
            Assert.Equal(expected.data<long>().ToArray(), nearest.data<long>().ToArray());
        }
    }

    [Fact]
    public void Should_ExcludeTheQuery_When_FindingNeighbours()
    {
        // Given two tight pairs of different classes: each point's nearest other point is its partner
        using var x = torch.tensor(new float[] { 0, 0, 0.1f, 0, 5, 5, 5, 5.1f }, [4, 2]);
        using var sameClassPartners = torch.tensor(new long[] { 0, 0, 1, 1 });
        using var crossedPartners = torch.tensor(new long[] { 0, 1, 0, 1 });

        // When Recall@1 is computed for both labelings
        var same = RecallAtK.Compute(x, sameClassPartners, [1]);
        var crossed = RecallAtK.Compute(x, crossedPartners, [1, 3]);

        // Then the query itself never counts as its own neighbour
        Assert.Equal([1.0], same);
        Assert.Equal([0.0, 1.0], crossed);
    }

    [Fact]
    public void Should_NotDependOnBlocksOrThreads_When_DistancesTie()
    {
        // Given 421 random points (a multiple of no block size) where every fifth point repeats
        // the one before it, so that distances tie exactly
        var (points, n, dim) = PointsWithTies(seed: 21);
        using var x = torch.tensor(points, [n, dim]);
        var expected = BruteForce(points, n, dim, 6);

        foreach (var (blockRows, threads) in new[] { (1, 2), (1, 1), (300, 2), (10_000, 1) })
        {
            // When the 6 nearest neighbours are searched in that block size and thread count
            using var nearest = WithThreads(threads, () => RecallAtK.Nearest(x, 6, blockRows));

            // Then they are the float64 brute force's, equal distances ranked by index, and the points are as given
            Assert.Equal(expected, nearest.data<long>().ToArray());
            Assert.Equal(points, x.data<float>().ToArray());
        }
    }

    [Fact]
    public void Should_RankEqualDistancesByIndex_When_TiedPointsHaveDifferentClasses()
    {
        // Given points with exact duplicates, each duplicate in a different class from its twin
        var (points, n, dim) = PointsWithTies(seed: 5);
        var classes = Enumerable.Range(0, n).Select(i => (long)((i * 7) % 5)).ToArray();
        using var x = torch.tensor(points, [n, dim]);
        using var labels = torch.tensor(classes);
        int[] ks = [1, 2, 4, 8];
        var nearest = BruteForce(points, n, dim, 8);
        var expected = ks.Select(k => Enumerable.Range(0, n).Count(i => Enumerable.Range(0, k).Any(j => classes[nearest[(i * 8) + j]] == classes[i])) / (double)n).ToArray();

        // When Recall@K is computed one query at a time on two threads and in one block on one
        var small = WithThreads(2, () => RecallAtK.Compute(x, labels, ks, blockRows: 1));
        var large = WithThreads(1, () => RecallAtK.Compute(x, labels, ks, blockRows: 10_000));

        // Then both are the brute force's, which is not degenerate
        Assert.Equal(expected, small);
        Assert.Equal(expected, large);
        Assert.InRange(expected[0], 0.05, 0.95);
    }

    private static T WithThreads<T>(int threads, Func<T> action)
    {
        var before = torch.get_num_threads();
        try
        {
            torch.set_num_threads(threads);
            return action();
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    // 421 points in 9 dimensions; point i repeats point i − 1 when i % 5 == 4.
    private static (float[] Points, int N, int Dim) PointsWithTies(int seed)
    {
        const int n = 421;
        const int dim = 9;
        var rng = new Random(seed);
        var points = new float[n * dim];
        for (var i = 0; i < n; i++)
        {
            for (var d = 0; d < dim; d++)
            {
                points[(i * dim) + d] = i % 5 == 4 ? points[((i - 1) * dim) + d] : (float)rng.NextDouble();
            }
        }

        return (points, n, dim);
    }

    // The k nearest other points of each point by float64 distance, equal distances to the lower index.
    private static long[] BruteForce(float[] points, int n, int dim, int k)
    {
        var result = new long[n * k];
        for (var i = 0; i < n; i++)
        {
            var query = i;
            Enumerable.Range(0, n)
                .Where(j => j != query)
                .OrderBy(j => Enumerable.Range(0, dim).Sum(d => Math.Pow(points[(query * dim) + d] - (double)points[(j * dim) + d], 2)))
                .ThenBy(j => j)
                .Take(k)
                .Select(j => (long)j)
                .ToArray()
                .CopyTo(result, i * k);
        }

        return result;
    }

    private static (Tensor X, Tensor Labels) Load(System.Text.Json.JsonElement reference)
    {
        var dim = reference.GetProperty("dim").GetInt32();
        var values = MetricsReference.Floats(reference.GetProperty("embeddings"));
        return (torch.tensor(values, [values.Length / dim, dim]), torch.tensor(MetricsReference.Longs(reference.GetProperty("labels"))));
    }
}
