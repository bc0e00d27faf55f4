using LossLab.Reporting;

namespace LossLab.Tests.Reporting;

public sealed class FrequencyThirdsTests
{
    [Fact]
    public void Should_SplitTenClassesThreeFourThreeByTrainingImages_When_TheSetIsLongTailed()
    {
        // Given CIFAR-10 at imbalance 100 after a limit of 100 per class, classes listed out of order, with a tie
        long[] counts = [12, 100, 59, 35, 21, 7, 4, 2, 1, 1];

        // When split into thirds
        var (head, middle, tail) = FrequencyThirds.Split(counts);

        // Then the head is the 3 largest classes, the tail the 3 smallest (ties by class index), the middle the other 4
        Assert.Equal([1, 2, 3], head);
        Assert.Equal([4, 0, 5, 6], middle);
        Assert.Equal([7, 8, 9], tail);
    }

    [Fact]
    public void Should_AverageTheRecallOfEachThirdSkippingClassesWithoutTestImages_When_Scoring()
    {
        // Given 6 classes (2 per third) and their recalls, one class of the tail without test images
        long[] counts = [60, 50, 40, 30, 20, 10];
        double?[] recall = [0.9, 0.7, 0.6, 0.4, null, 0.1];

        // When the mean recall per third is taken
        var (head, middle, tail) = FrequencyThirds.MeanRecall(counts, recall);

        // Then each third averages its classes, the tail only the class with a recall
        Assert.Equal(0.8, head, 12);
        Assert.Equal(0.5, middle, 12);
        Assert.Equal(0.1, tail, 12);
        Assert.Throws<ArgumentException>(() => FrequencyThirds.MeanRecall(counts, [0.5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => FrequencyThirds.Split([3, 2]));
    }
}
