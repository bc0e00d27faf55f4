using LossLab.Cli.Benchmarking;

namespace LossLab.Cli.Tests.Benchmarking;

public sealed class MediansTests
{
    [Theory]
    [InlineData(new[] { 5.0, 1.0, 3.0 }, 3.0)]
    [InlineData(new[] { 4.0, 1.0, 3.0, 10.0 }, 3.5)]
    [InlineData(new[] { 2.0 }, 2.0)]
    public void Should_ReturnTheMiddleValue_When_GivenUnsortedRepeats(double[] values, double expected)
    {
        // Given repeats in the order they were measured
        // When their median is taken
        var median = Medians.Of(values);

        // Then it is the middle value, or the mean of the middle two
        Assert.Equal(expected, median);
    }

    [Fact]
    public void Should_BeNaN_When_NothingWasMeasured()
    {
        // Given no repeats
        // When their median is taken
        // Then it is NaN
        Assert.True(double.IsNaN(Medians.Of([])));
    }
}
