using LossLab.Data;
using LossLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Tests.Data;

public sealed class SubsetsTests
{
    [Fact]
    public void Should_KeepTheImbalance_When_ATrainLimitIsGivenToo()
    {
        // Given 5 classes of 100 training images, interleaved, a limit of 250 and ratio 16
        var labels = torch.arange(500, dtype: ScalarType.Int64).remainder(5);
        var split = new DatasetSplit(torch.zeros([500, 1, 2, 2], ScalarType.Byte), labels);
        var test = new DatasetSplit(torch.zeros([5, 1, 2, 2], ScalarType.Byte), torch.arange(5, dtype: ScalarType.Int64));
        using var data = new ImageDataset("toy", "memory", ["a", "b", "c", "d", "e"], split, test, [0f], [1f]);
        var options = new TrainOptions { TrainLimit = 250, ImbalanceRatio = 16 };

        // When the run's training images are chosen
        using var kept = RunSubsets.Train(options, data);

        // Then the limit keeps 50 per class and the ratio thins them to 50·16^(−c/4): 50, 25, 12, 6, 3
        Assert.Equal(new long[] { 50, 25, 12, 6, 3 }, Counts(labels, kept, 5));
    }

    [Fact]
    public void Should_SpreadLimitEvenlyWithRemainderFirst_When_LimitIsBelowSize()
    {
        // Given classes 0..2 of 10 samples and class 3 of 2 samples
        using var labels = torch.tensor(Enumerable.Range(0, 30).Select(i => (long)(i % 3)).Concat([3L, 3L]).ToArray());

        // When limits of 11 (quota 3,3,3,2) and 13 (quota 4,3,3,3, class 3 capped at 2) are applied
        using var eleven = Subsets.ClassBalancedLimit(labels, 11, seed: 1);
        using var thirteen = Subsets.ClassBalancedLimit(labels, 13, seed: 1);

        // Then per-class counts are exact and indices ascending
        Assert.Equal(new long[] { 3, 3, 3, 2 }, Counts(labels, eleven, 4));
        Assert.Equal(new long[] { 4, 3, 3, 2 }, Counts(labels, thirteen, 4));
        var indices = eleven.data<long>().ToArray();
        Assert.Equal(indices.Order(), indices);
    }

    [Fact]
    public void Should_BeSeededAndKeepAll_When_LimitIsLarge()
    {
        // Given
        using var labels = torch.tensor(Enumerable.Range(0, 100).Select(i => (long)(i % 4)).ToArray());

        // When / Then: same seed same subset, other seed other subset, a limit ≥ N keeps everything
        Assert.Equal(Subsets.ClassBalancedLimit(labels, 20, 7).data<long>().ToArray(), Subsets.ClassBalancedLimit(labels, 20, 7).data<long>().ToArray());
        Assert.NotEqual(Subsets.ClassBalancedLimit(labels, 20, 7).data<long>().ToArray(), Subsets.ClassBalancedLimit(labels, 20, 8).data<long>().ToArray());
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), Subsets.ClassBalancedLimit(labels, 500, 7).data<long>().ToArray());
    }

    [Fact]
    public void Should_KeepGeometricCounts_When_RatioIsPowerOfTwo()
    {
        // Given 5 classes of 100, interleaved, and ratio 16 (fractions 1, 1/2, 1/4, 1/8, 1/16)
        using var labels = torch.tensor(Enumerable.Range(0, 500).Select(i => (long)(i % 5)).ToArray());

        // When
        using var kept = Subsets.Imbalanced(labels, 16, 5);

        // Then ⌊100·16^(−c/4)⌋ per class, the first samples of each class
        Assert.Equal(new long[] { 100, 50, 25, 12, 6 }, Counts(labels, kept, 5));
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, kept.data<long>().ToArray()[..10]);
    }

    [Fact]
    public void Should_MatchCifar10LongTailCounts_When_RatioIs100()
    {
        // Given CIFAR-10's 5000 per class and the long-tailed CIFAR-10 (imbalance 100) counts of the literature
        using var labels = torch.tensor(Enumerable.Range(0, 50000).Select(i => (long)(i % 10)).ToArray());

        // When / Then
        using var kept = Subsets.Imbalanced(labels, 100, 10);
        Assert.Equal(new long[] { 5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50 }, Counts(labels, kept, 10));
        using var tenfold = Subsets.Imbalanced(labels, 10, 10);
        Assert.Equal(500, Counts(labels, tenfold, 10)[9]);
        using var all = Subsets.Imbalanced(labels, 1, 10);
        Assert.Equal(50000, all.shape[0]);
    }

    [Fact]
    public void Should_Reject_When_RatioBelowOneOrLabelOutOfRange()
    {
        using var labels = torch.tensor(new long[] { 0, 1, 5 });
        Assert.Throws<ArgumentOutOfRangeException>(() => Subsets.Imbalanced(labels, 0.5, 6));
        Assert.Throws<ArgumentException>(() => Subsets.Imbalanced(labels, 2, 3));
    }

    private static long[] Counts(torch.Tensor labels, torch.Tensor indices, int classes)
    {
        using var chosen = labels.index_select(0, indices);
        using var counts = chosen.bincount(null, classes);
        return counts.data<long>().ToArray();
    }
}
