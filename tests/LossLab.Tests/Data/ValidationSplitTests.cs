using LossLab.Data;
using LossLab.Training;
using TorchSharp;

namespace LossLab.Tests.Data;

public sealed class ValidationSplitTests
{
    [Fact]
    public void Should_HoldOutADisjointClassBalancedPart_When_Carving()
    {
        // Given 1,000 labels of 10 classes in a shuffled order
        var labels = Enumerable.Range(0, 1000).Select(i => (long)((i * 7) % 10)).ToArray();
        using var tensor = torch.tensor(labels);

        // When 10% is held out, twice
        var (keep, heldOut) = ValidationSplit.Indices(tensor, 0.1);
        var (keepAgain, heldOutAgain) = ValidationSplit.Indices(tensor, 0.1);
        using (keep)
        using (heldOut)
        using (keepAgain)
        using (heldOutAgain)
        {
            var kept = keep.data<long>().ToArray();
            var held = heldOut.data<long>().ToArray();

            // Then 100 images, 10 per class, are held out; the parts are disjoint, cover everything and never move
            Assert.Equal(100, held.Length);
            Assert.All(held.GroupBy(i => labels[i]), g => Assert.Equal(10, g.Count()));
            Assert.Empty(kept.Intersect(held));
            Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), kept.Concat(held).Order());
            Assert.Equal(held, heldOutAgain.data<long>().ToArray());
        }
    }

    [Fact]
    public void Should_MakeTheHeldOutImagesTheTestSplit_When_CarvingADataset()
    {
        // Given a dataset of 200 training and 50 test images whose first pixel is the image's index
        var images = torch.arange(200, dtype: torch.ScalarType.Int64).remainder(256).to(torch.ScalarType.Byte).reshape(200, 1, 1, 1).expand(200, 1, 2, 2).contiguous();
        var labels = torch.arange(200, dtype: torch.ScalarType.Int64).remainder(4);
        using var data = new ImageDataset(
            "toy", "memory", ["a", "b", "c", "d"],
            new DatasetSplit(images, labels),
            new DatasetSplit(torch.zeros(50, 1, 2, 2, torch.ScalarType.Byte), torch.zeros(50, torch.ScalarType.Int64)),
            [0.5f], [0.25f]);

        // When a quarter is carved out
        using var carved = ValidationSplit.Carve(data, 0.25);

        // Then training keeps 150 images, the test split is the 50 held-out training images, and the source is untouched
        Assert.Equal(150, carved.Train.Count);
        Assert.Equal(50, carved.Test.Count);
        Assert.Equal(200, data.Train.Count);
        var trainIds = carved.Train.Images[.., 0, 0, 0].data<byte>().ToArray();
        var testIds = carved.Test.Images[.., 0, 0, 0].data<byte>().ToArray();
        Assert.Empty(trainIds.Intersect(testIds));
        Assert.Equal(new long[] { 13, 13, 12, 12 }, carved.Test.CountsPerClass(4).Select(c => c).ToArray());
        Assert.Contains("validation split", carved.Source, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    public void Should_RejectTheFraction_When_OutsideZeroToHalf(double fraction)
    {
        // Given options with a bad validation fraction
        var options = new TrainOptions { ValidationFraction = fraction };

        // When they are validated
        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        // Then the flag is named
        Assert.Equal("--val-fraction", error.ParamName);
    }
}
