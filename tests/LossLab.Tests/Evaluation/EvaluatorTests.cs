using LossLab.Data;
using LossLab.Evaluation;
using LossLab.Losses;
using LossLab.Metrics;
using LossLab.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Tests.Evaluation;

public sealed class EvaluatorTests
{
    [Fact]
    public void Should_KeepEachClassShare_When_SubsamplingTheClassMeanImages()
    {
        // Given 1000 training labels: 500 of class 0, 300 of class 1, 200 of class 2, shuffled
        var rng = new Random(3);
        var classes = Enumerable.Repeat(0L, 500).Concat(Enumerable.Repeat(1L, 300)).Concat(Enumerable.Repeat(2L, 200)).OrderBy(_ => rng.Next()).ToArray();
        using var labels = torch.tensor(classes);

        // When 100 images are chosen twice with seed 5 and once with seed 6
        using var chosen = Evaluator.ClassMeanSubset(labels, 100, 5);
        using var again = Evaluator.ClassMeanSubset(labels, 100, 5);
        using var other = Evaluator.ClassMeanSubset(labels, 100, 6);

        // Then each class keeps its share, the positions are distinct and ascending, and the seed decides the draw
        var positions = chosen.data<long>().ToArray();
        Assert.Equal([50, 30, 20], [.. Enumerable.Range(0, 3).Select(c => positions.Count(p => classes[p] == c))]);
        Assert.Equal(positions.Order().Distinct(), positions);
        Assert.Equal(positions, again.data<long>().ToArray());
        Assert.NotEqual(positions, other.data<long>().ToArray());
    }

    [Theory]
    [InlineData(null, 40)]
    [InlineData(10, 11)]
    [InlineData(1000, 40)]
    public void Should_KeepAClassWithFewImages_When_SubsamplingOrNot(int? limit, int expectedCount)
    {
        // Given 40 labels, one of class 1 and the rest of class 0
        using var labels = torch.tensor(Enumerable.Range(0, 40).Select(i => i == 7 ? 1L : 0L).ToArray());

        // When about `limit` images are chosen (class 0's share rounds to 10, class 1's to 0)
        using var chosen = Evaluator.ClassMeanSubset(labels, limit, 1);

        // Then the lone class-1 image is kept all the same, and every image when the limit is absent or above 40
        var positions = chosen.data<long>().ToArray();
        Assert.Contains(7L, positions);
        Assert.Equal(expectedCount, positions.Length);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(30)]
    public void Should_PredictByTheClassMeansOfTheChosenImages_When_TheModelHasNoClassifier(int? classMeanImages)
    {
        // Given a small-cnn without classifier and a synthetic dataset of 90 training and 25 test images in 3 classes
        torch.manual_seed(11);
        using var model = ModelRegistry.Create("small-cnn", 1, 0, 16);
        using var data = Synthetic();
        using var trainIndices = torch.arange(5, 90, dtype: ScalarType.Int64);
        using var testIndices = torch.arange(25, dtype: ScalarType.Int64);
        var evaluator = new Evaluator(new BatchTransform(data.Mean, data.Std), torch.CPU);

        // When it is evaluated, with all or 30 training images for the class means
        using var loss = new TripletLoss();
        var metrics = evaluator.Evaluate(model, loss, data, trainIndices, testIndices, embeddingMetrics: false, seed: 2, classMeanImages);

        // Then the accuracy is that of the nearest class means of exactly those images' eval-mode embeddings
        using var scope = torch.NewDisposeScope();
        var trainLabels = data.Train.Labels.index_select(0, trainIndices);
        var chosen = trainIndices.index_select(0, Evaluator.ClassMeanSubset(trainLabels, classMeanImages, 2));
        Assert.Equal(classMeanImages ?? 85, chosen.shape[0]);
        var (trainEmbeddings, _) = evaluator.Embed(model, data.Train, chosen);
        var (testEmbeddings, _) = evaluator.Embed(model, data.Test, testIndices);
        var predictions = NearestClassMean.Predict(trainEmbeddings, data.Train.Labels.index_select(0, chosen), testEmbeddings, 3);
        var expected = ClassificationMetrics.Compute(data.Test.Labels.data<long>().ToArray(), predictions.data<long>().ToArray(), 3);
        Assert.Equal(expected.Accuracy, metrics.Accuracy);
        Assert.Equal(expected.F1Macro, metrics.F1Macro);
        Assert.Null(metrics.KmeansNmi);

        // And a nearest-class-mean loss serves no probabilities: no calibration numbers at all
        Assert.Null(metrics.Ece);
        Assert.Null(metrics.Nll);
        Assert.Null(metrics.Brier);
        Assert.Null(metrics.CalibrationBins);
    }

    [Theory]
    [InlineData("ce", 1.0)]
    [InlineData("focal", 1.0)]
    [InlineData("logit-adjusted", 1.0)]
    [InlineData("improved", 4.0)]
    public void Should_ScoreCalibrationOnTheServedProbabilities_When_TheLossHasLogits(string lossName, double scale)
    {
        // Given a small-cnn with a 3-class classifier, its loss, and the synthetic dataset
        torch.manual_seed(12);
        using var model = ModelRegistry.Create("small-cnn", 1, 3, 16);
        using var data = Synthetic();
        using var trainIndices = torch.arange(90, dtype: ScalarType.Int64);
        using var testIndices = torch.arange(25, dtype: ScalarType.Int64);
        using var loss = LossRegistry.Create(LossRegistry.Find(lossName).Defaults, new LossContext(3, 16, [30, 30, 30]));
        var evaluator = new Evaluator(new BatchTransform(data.Mean, data.Std), torch.CPU);

        // When it is evaluated
        var metrics = evaluator.Evaluate(model, loss, data, trainIndices, testIndices, embeddingMetrics: false, seed: 2);

        // Then the loss serves softmax(s·z) with s = 1 (beta for the improved loss), and ECE, NLL, Brier and the bins are
        // CalibrationMetrics of those probabilities, computed here from the float logits with a softmax of our own
        Assert.Equal(scale, loss.ServingScale);
        var (embeddings, logits) = evaluator.Embed(model, data.Test, testIndices);
        using var e = embeddings;
        using var l = logits!;
        var z = l.data<float>().ToArray();
        var probabilities = new double[z.Length];
        for (var row = 0; row < 25; row++)
        {
            var max = Enumerable.Range(0, 3).Max(c => scale * z[(row * 3) + c]);
            var sum = Enumerable.Range(0, 3).Sum(c => Math.Exp((scale * z[(row * 3) + c]) - max));
            for (var c = 0; c < 3; c++)
            {
                probabilities[(row * 3) + c] = Math.Exp((scale * z[(row * 3) + c]) - max) / sum;
            }
        }

        var expected = CalibrationMetrics.FromProbabilities(probabilities, data.Test.Labels.data<long>().ToArray(), 3);
        Assert.Equal(expected.Ece, metrics.Ece!.Value, 1e-9);
        Assert.Equal(expected.Nll, metrics.Nll!.Value, 1e-9);
        Assert.Equal(expected.Brier, metrics.Brier!.Value, 1e-9);
        Assert.Equal(expected.Bins.Select(b => b.Count), metrics.CalibrationBins!.Select(b => b.Count));
        Assert.Equal(15, metrics.CalibrationBins!.Count);

        // And the per-class recall and balanced accuracy come with it
        Assert.Equal(3, metrics.ClassRecall!.Count);
        Assert.Equal(metrics.ClassRecall.Average(r => r!.Value), metrics.BalancedAccuracy!.Value, 1e-12);
    }

    // 90 training and 25 test 12×12 images whose brightness depends on the class (3 classes), with noise.
    private static ImageDataset Synthetic()
    {
        using var generator = new Generator(9);
        DatasetSplit Split(int count)
        {
            var labels = torch.arange(count, dtype: ScalarType.Int64).remainder(3);
            var noise = torch.randint(0, 60, [count, 1, 12, 12], generator: generator);
            var images = (noise + (labels * 80).view(-1, 1, 1, 1)).to(ScalarType.Byte);
            return new DatasetSplit(images, labels);
        }

        return new ImageDataset("toy", "memory", ["a", "b", "c"], Split(90), Split(25), [0.4f], [0.3f]);
    }
}
