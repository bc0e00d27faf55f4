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
        // Given 203 random points (not a multiple of the tile sizes) with four classes
        var rng = new Random(11);
        var points = Enumerable.Range(0, 203 * 6).Select(_ => (float)rng.NextDouble()).ToArray();
        var labels = Enumerable.Range(0, 203).Select(_ => (long)rng.Next(4)).ToArray();
        int[] ks = [1, 3, 8];

        // When recall is computed in the smallest blocks (several block pairs, scored both ways) on
        // two threads and in one block on one thread
        var small = RecallAtK.Compute(points, 203, 6, labels, ks, threads: 2, blockRows: 1);
        var large = RecallAtK.Compute(points, 203, 6, labels, ks, threads: 1, blockRows: 10_000);

        // Then the results are identical and not degenerate
        Assert.Equal(large, small);
        Assert.InRange(large[0], 0.05, 0.95);
    }

    [Fact]
    public void Should_FindTheSameNeighboursAsTensorBruteForce_When_PointsAreRandom()
    {
        // Given 300 random points in 20 dimensions, searched in the smallest blocks (both directions of each block pair)
        torch.manual_seed(4);
        using var x = torch.randn(300, 20);
        var points = x.data<float>().ToArray();

        // When the 5 nearest neighbours are searched
        var nearest = RecallAtK.Nearest(points, 300, 20, 5, threads: 2, blockRows: 1);

        // Then they are the 5 smallest float64 distances with the point itself excluded
        using var x64 = x.to(ScalarType.Float64);
        using var distances = torch.cdist(x64, x64);
        distances.diagonal().fill_(double.PositiveInfinity);
        var (_, expected) = distances.topk(5, dim: 1, largest: false);
        using (expected)
        {
            Assert.Equal(expected.data<long>().ToArray().Select(i => (int)i).ToArray(), nearest);
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

    private static (Tensor X, Tensor Labels) Load(System.Text.Json.JsonElement reference)
    {
        var dim = reference.GetProperty("dim").GetInt32();
        var values = MetricsReference.Floats(reference.GetProperty("embeddings"));
        return (torch.tensor(values, [values.Length / dim, dim]), torch.tensor(MetricsReference.Longs(reference.GetProperty("labels"))));
    }
}
