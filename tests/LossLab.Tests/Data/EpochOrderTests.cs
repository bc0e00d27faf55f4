using LossLab.Data;

namespace LossLab.Tests.Data;

public sealed class EpochOrderTests
{
    [Fact]
    public void Should_BeReproduciblePermutationDifferentPerEpoch_When_Shuffled()
    {
        // Given / When orders for two epochs and two seeds
        var a = EpochOrder.Shuffle(1000, seed: 3, epoch: 0);
        var again = EpochOrder.Shuffle(1000, seed: 3, epoch: 0);
        var nextEpoch = EpochOrder.Shuffle(1000, seed: 3, epoch: 1);
        var otherSeed = EpochOrder.Shuffle(1000, seed: 4, epoch: 0);

        // Then each is a permutation, the same inputs repeat it, other inputs change it
        Assert.Equal(Enumerable.Range(0, 1000), a.Order());
        Assert.Equal(a, again);
        Assert.NotEqual(a, nextEpoch);
        Assert.NotEqual(a, otherSeed);
        Assert.NotEqual(Enumerable.Range(0, 1000), a);
    }

    [Fact]
    public void Should_PinSeedMixing_When_SeedAndEpochAreGiven()
    {
        // Given the SplitMix64 finaliser of (seed << 32 | epoch), computed independently here
        static int Reference(int seed, int epoch)
        {
            var z = unchecked(((ulong)(uint)seed << 32 | (uint)epoch) + 0x9E3779B97F4A7C15UL);
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
            return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
        }

        // When / Then
        foreach (var (seed, epoch) in new[] { (0, 0), (1, 0), (0, 1), (42, 7), (-5, 100) })
        {
            Assert.Equal(Reference(seed, epoch), EpochOrder.EpochSeed(seed, epoch));
        }

        Assert.NotEqual(EpochOrder.EpochSeed(1, 2), EpochOrder.EpochSeed(2, 1));
    }

    [Theory]
    [InlineData(false, new[] { 4, 4, 2 })]
    [InlineData(true, new[] { 4, 4 })]
    public void Should_CutOrderIntoBatches_When_Batched(bool dropLast, int[] sizes)
    {
        // Given 10 indices
        var order = Enumerable.Range(100, 10).ToArray();

        // When
        var batches = EpochOrder.Batches(order, 4, dropLast);

        // Then sizes and content follow the order
        Assert.Equal(sizes, batches.Select(b => b.Length));
        Assert.Equal(order.Take(sizes.Sum()), batches.SelectMany(b => b));
    }
}
