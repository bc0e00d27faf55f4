using System.Diagnostics;
using LossLab.Data;
using TorchSharp;

namespace LossLab.Tests.Data;

public sealed class BatchLoaderTests
{
    [Fact]
    public void Should_YieldBatchesInOrderWithPixelsAndLabels_When_Enumerated()
    {
        // Given a split of 5 images and batches [3, 1], [0], [2, 4]
        using var split = Split(5);
        int[][] batches = [[3, 1], [0], [2, 4]];
        var loader = new BatchLoader(split, batches, new BatchTransform([0f], [1f]));

        // When
        var seen = new List<(float[] Images, long[] Labels, int[] Indices)>();
        foreach (var batch in loader)
        {
            using (batch)
            {
                seen.Add((batch.Images.data<float>().ToArray(), batch.Labels.data<long>().ToArray(), batch.Indices));
            }
        }

        // Then each batch holds its samples, scaled to [0, 1]
        Assert.Equal(3, seen.Count);
        for (var b = 0; b < 3; b++)
        {
            using var index = torch.tensor(batches[b].Select(i => (long)i).ToArray());
            using var expectedImages = split.Images.index_select(0, index).to(torch.ScalarType.Float32).div(255);
            using var expectedLabels = split.Labels.index_select(0, index);
            var expected = expectedImages.data<float>().ToArray();
            Assert.Equal(expected.Length, seen[b].Images.Length);
            Assert.All(expected.Zip(seen[b].Images), p => Assert.Equal(p.First, p.Second, 1e-6f));
            Assert.Equal(expectedLabels.data<long>().ToArray(), seen[b].Labels);
            Assert.Equal(batches[b], seen[b].Indices);
        }
    }

    [Fact]
    public void Should_RepeatAugmentation_When_SeedIsTheSame()
    {
        // Given an augmenting loader
        using var split = Split(12);
        int[][] batches = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]];
        var transform = new BatchTransform([0.5f], [0.5f], new AugmentOptions { Padding = 1 });

        // When two passes run with one seed and one with another
        var first = Collect(new BatchLoader(split, batches, transform, seed: 4));
        var second = Collect(new BatchLoader(split, batches, transform, seed: 4));
        var other = Collect(new BatchLoader(split, batches, transform, seed: 5));

        // Then the first two agree and the third differs
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Should_SurfaceBackgroundError_When_BatchCannotBePrepared()
    {
        // Given a second batch with an index beyond the split
        using var split = Split(4);
        var loader = new BatchLoader(split, [[0, 1], [2, 99], [3]], new BatchTransform([0f], [1f]));

        // When enumerating
        var yielded = 0;
        var error = Record.Exception(() =>
        {
            foreach (var batch in loader)
            {
                batch.Dispose();
                yielded++;
            }
        });

        // Then the first batch arrived and the failure of the second reached the consumer
        Assert.Equal(1, yielded);
        Assert.NotNull(error);
        Assert.Contains("out of range", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Should_StopAndDisposePrefetchedBatches_When_ConsumerBreaksEarly()
    {
        // Given a loader of 200 batches and a settled tensor count
        using var split = Split(64);
        var batches = Enumerable.Range(0, 200).Select(b => new[] { b % 64, (b + 1) % 64 }).ToArray();
        var loader = new BatchLoader(split, batches, new BatchTransform([0f], [1f]));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = torch.Tensor.TotalCount;
        var clock = Stopwatch.StartNew();

        // When the consumer takes two batches and leaves
        var taken = 0;
        foreach (var batch in loader)
        {
            batch.Dispose();
            if (++taken == 2)
            {
                break;
            }
        }

        // Then the loop ends at once and every batch prepared ahead was disposed
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(before, torch.Tensor.TotalCount);
    }

    private static DatasetSplit Split(int n)
    {
        var images = torch.tensor(DataFixtures.RandomBytes(n * 1 * 4 * 4, n), [n, 1, 4, 4]);
        var labels = torch.arange(n, torch.ScalarType.Int64).remainder(3);
        return new DatasetSplit(images, labels);
    }

    private static List<float> Collect(BatchLoader loader)
    {
        var values = new List<float>();
        foreach (var batch in loader)
        {
            using (batch)
            {
                values.AddRange(batch.Images.data<float>().ToArray());
            }
        }

        return values;
    }
}
