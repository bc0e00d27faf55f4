using LossLab.Cli.Benchmarking;

namespace LossLab.Cli.Tests.Benchmarking;

public sealed class LossBenchmarkTests
{
    [Fact]
    public void Should_CompareImprovedWithTheFasterCrossEntropy_When_Run()
    {
        // Given small logits and few iterations
        // When the losses are timed
        var timing = LossBenchmark.Run(rows: 32, classes: 10, repeats: 3, iterations: 5);

        // Then all three are timed and the ratio is against the faster cross-entropy
        Assert.Equal((32, 10), (timing.Rows, timing.Classes));
        Assert.True(timing.ImprovedMicroseconds > 0 && timing.CeMicroseconds > 0 && timing.NativeCeMicroseconds > 0);
        var fastest = Math.Min(timing.CeMicroseconds, timing.NativeCeMicroseconds);
        Assert.Equal(timing.ImprovedMicroseconds / fastest, timing.ImprovedOverCe, 12);
    }
}
