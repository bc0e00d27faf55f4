using LossLab.Experiments;
using LossLab.Losses;
using LossLab.Training;

namespace LossLab.Tests.Experiments;

public sealed class DurationEstimateTests
{
    // The expected values are worked by hand from the documented model: small-cnn costs 1.75e-3 core-seconds per
    // 32×32 training image, an evaluated image 0.3 of that, 5 s per run besides, and a run on 2 threads takes 1.23×
    // half its core-seconds.
    private static RunWork Run(string loss = "ce", int threads = 1, int? classMeans = null, int pixels = 1024, string model = "small-cnn") =>
        new(new TrainOptions { Model = model, LossOptions = LossRegistry.Find(loss).Defaults, Epochs = 2, Threads = threads, ClassMeanImages = classMeans }, 1000, 200, pixels);

    [Fact]
    public void Should_CountTrainingAndEvaluationImages_When_TheLossPredictsFromLogits()
    {
        // Given a ce run of 2 epochs on 1,000 training and 200 test images
        // When its work is estimated
        var seconds = DurationEstimate.CoreSeconds(Run());

        // Then it is 2 × 1.75e-3 × (1000 + 0.3 × 200) core-seconds
        Assert.Equal(3.71, seconds!.Value, 1e-12);
    }

    [Fact]
    public void Should_AddTheClassMeanImages_When_TheLossPredictsByNearestClassMean()
    {
        // Given margin runs (nearest-class-mean prediction) with all training images or 300 of them for the class means
        // When their work is estimated
        var all = DurationEstimate.CoreSeconds(Run("margin"));
        var subset = DurationEstimate.CoreSeconds(Run("margin", classMeans: 300));
        var small = DurationEstimate.CoreSeconds(Run(pixels: 784));

        // Then each evaluation also embeds those images, and a 28×28 image costs 784/1024 of a 32×32 one
        Assert.Equal(4.76, all!.Value, 1e-12);
        Assert.Equal(4.025, subset!.Value, 1e-12);
        Assert.Equal(3.71 * 784 / 1024, small!.Value, 1e-12);
    }

    [Fact]
    public void Should_GiveTheBusiestJobSlot_When_RunsShareTheCores()
    {
        // Given three equal one-thread runs, two at once on 2 cores; and one run on 2 threads alone
        // When the wall time is estimated
        var shared = DurationEstimate.Of([Run(), Run(), Run()], jobs: 2, cores: 2);
        var alone = DurationEstimate.Of([Run(threads: 2)], jobs: 1, cores: 2);

        // Then the third run waits for a free slot, and two threads do not halve the time
        Assert.Equal(2 * (5 + 3.71), shared!.Value.TotalSeconds, 1e-6);
        Assert.Equal(5 + (3.71 / 2 * 1.23), alone!.Value.TotalSeconds, 1e-6);
    }

    [Fact]
    public void Should_GiveNoEstimate_When_AModelHasNoMeasuredSpeed()
    {
        // Given a ResNet-50 run, whose speed was not measured
        // When the wall time is estimated
        var time = DurationEstimate.Of([Run(), Run(model: "resnet50")], jobs: 1, cores: 2);

        // Then there is none rather than a guess
        Assert.Null(time);
    }

    [Theory]
    [InlineData(50, "50 s")]
    [InlineData(2460, "41 min")]
    [InlineData(9000, "2.5 h")]
    public void Should_PrintSecondsMinutesOrHours_When_FormattingADuration(double seconds, string expected) =>
        Assert.Equal(expected, DurationEstimate.Format(TimeSpan.FromSeconds(seconds)));
}
