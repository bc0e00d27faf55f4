using LossLab.Data;
using TorchSharp;

namespace LossLab.Tests.Data;

public sealed class PkBatchSamplerTests
{
    [Fact]
    public void Should_DrawPClassesTimesKDistinctSamples_When_ClassesAreLargeEnough()
    {
        // Given 10 classes of 30 samples, shuffled, and P = 4, K = 4
        var labels = Labels(Enumerable.Range(0, 300).Select(i => (long)(i % 10)).ToArray());
        var values = labels.data<long>().ToArray();
        var sampler = new PkBatchSampler(labels, batchSize: 16);

        // When
        var batches = sampler.Batches(seed: 1, epoch: 0);

        // Then ⌊300/16⌋ batches, each 4 distinct classes × 4 distinct samples of that class
        Assert.Equal(4, sampler.ClassesPerBatch);
        Assert.Equal(18, batches.Length);
        foreach (var batch in batches)
        {
            Assert.Equal(16, batch.Length);
            var groups = batch.GroupBy(i => values[i]).ToArray();
            Assert.Equal(4, groups.Length);
            Assert.All(groups, g => Assert.Equal(4, g.Distinct().Count()));
        }
    }

    [Fact]
    public void Should_CoverEverySampleOnce_When_EveryClassIsInEveryBatch()
    {
        // Given 4 classes of 16 samples and P = 4 (all classes), K = 4
        var labels = Labels(Enumerable.Range(0, 64).Select(i => (long)(i / 16)).ToArray());
        var sampler = new PkBatchSampler(labels, batchSize: 16, samplesPerClass: 4);

        // When
        var batches = sampler.Batches(seed: 5, epoch: 2);

        // Then 4 batches visit each sample exactly once
        Assert.Equal(Enumerable.Range(0, 64), batches.SelectMany(b => b).Order());
    }

    [Fact]
    public void Should_SampleWithReplacement_When_ClassHasFewerThanKSamples()
    {
        // Given class 1 with only 2 samples among classes of 20
        var labels = Labels(Enumerable.Repeat(0L, 20).Concat([1L, 1L]).Concat(Enumerable.Repeat(2L, 20)).ToArray());
        var values = labels.data<long>().ToArray();
        var smallClass = Enumerable.Range(0, values.Length).Where(i => values[i] == 1).ToArray();
        var sampler = new PkBatchSampler(labels, batchSize: 12, samplesPerClass: 4);

        // When several epochs are drawn
        var batches = Enumerable.Range(0, 20).SelectMany(e => sampler.Batches(seed: 0, epoch: e)).ToArray();

        // Then whenever class 1 appears it has 4 draws of its 2 samples
        var withSmall = batches.Where(b => b.Any(i => values[i] == 1)).ToArray();
        Assert.NotEmpty(withSmall);
        Assert.All(withSmall, b =>
        {
            var small = b.Where(i => values[i] == 1).ToArray();
            Assert.Equal(4, small.Length);
            Assert.All(small, i => Assert.Contains(i, smallClass));
        });
    }

    [Fact]
    public void Should_BeReproducibleAndDifferPerEpoch_When_SeedIsFixed()
    {
        // Given
        var labels = Labels(Enumerable.Range(0, 200).Select(i => (long)(i % 8)).ToArray());
        var sampler = new PkBatchSampler(labels, batchSize: 8, samplesPerClass: 2);

        // When / Then
        Assert.Equal(sampler.Batches(3, 0), sampler.Batches(3, 0));
        Assert.NotEqual(sampler.Batches(3, 0), sampler.Batches(3, 1));
        Assert.NotEqual(sampler.Batches(3, 0), sampler.Batches(4, 0));
    }

    [Fact]
    public void Should_RejectImpossibleShapes_When_Constructed()
    {
        // Given 10 classes
        var labels = Labels(Enumerable.Range(0, 100).Select(i => (long)(i % 10)).ToArray());

        // When / Then: not a multiple of K, fewer than 2 classes, more classes than exist, K < 2
        Assert.Throws<ArgumentException>(() => new PkBatchSampler(labels, batchSize: 18, samplesPerClass: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PkBatchSampler(labels, batchSize: 4, samplesPerClass: 4));
        var tooMany = Assert.Throws<ArgumentException>(() => new PkBatchSampler(labels, batchSize: 64, samplesPerClass: 4));
        Assert.Contains("needs P = 16 classes, the labels hold 10", tooMany.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PkBatchSampler(labels, batchSize: 8, samplesPerClass: 1));
    }

    private static torch.Tensor Labels(long[] values)
    {
        // Shuffle so that classes are not contiguous.
        var shuffled = (long[])values.Clone();
        new Random(123).Shuffle(shuffled);
        return torch.tensor(shuffled);
    }
}
