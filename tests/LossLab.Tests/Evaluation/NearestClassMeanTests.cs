using LossLab.Evaluation;
using LossLab.Tests.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Tests.Evaluation;

public sealed class NearestClassMeanTests
{
    [Fact]
    public void Should_PredictLikeTheNumPyReference_When_AClassHasNoTrainingSamples()
    {
        // Given NumPy's cosine nearest-class-mean predictions on overlapping classes, one class absent from training
        var reference = MetricsReference.Root.GetProperty("nearest_class_mean");
        var (train, trainLabels, queries) = Load(reference);
        using (train)
        using (trainLabels)
        using (queries)
        {
            // When the queries are classified
            using var predictions = NearestClassMean.Predict(train, trainLabels, queries, reference.GetProperty("num_classes").GetInt32());

            // Then every prediction is the reference's, and the absent class is never predicted
            var expected = MetricsReference.Longs(reference.GetProperty("predictions"));
            Assert.Equal(expected, predictions.data<long>().ToArray());
            Assert.DoesNotContain(4L, expected);
        }
    }

    [Fact]
    public void Should_PredictTheSame_When_TrainingEmbeddingsAreAddedBatchByBatch()
    {
        // Given the reference's training embeddings and queries
        var reference = MetricsReference.Root.GetProperty("nearest_class_mean");
        var (train, trainLabels, queries) = Load(reference);
        using var scope = torch.NewDisposeScope();
        var whole = NearestClassMean.Predict(train, trainLabels, queries, 6);

        // When the class sums are accumulated 17 embeddings at a time
        var (sums, counts) = NearestClassMean.Empty(6, train.shape[1], ScalarType.Float32, torch.CPU);
        for (long start = 0; start < train.shape[0]; start += 17)
        {
            var length = Math.Min(17, train.shape[0] - start);
            NearestClassMean.Add(sums, counts, train.narrow(0, start, length), trainLabels.narrow(0, start, length));
        }

        // Then the counts are the class sizes and the predictions those of the whole set
        Assert.Equal(trainLabels.bincount(null, 6).data<long>().ToArray(), counts.data<long>().ToArray());
        Assert.Equal(whole.data<long>().ToArray(), NearestClassMean.Predict(sums, counts, queries).data<long>().ToArray());
    }

    private static (Tensor Train, Tensor TrainLabels, Tensor Queries) Load(System.Text.Json.JsonElement reference)
    {
        var dim = reference.GetProperty("dim").GetInt32();
        var train = MetricsReference.Floats(reference.GetProperty("train"));
        var queries = MetricsReference.Floats(reference.GetProperty("queries"));
        return (
            torch.tensor(train, [train.Length / dim, dim]),
            torch.tensor(MetricsReference.Longs(reference.GetProperty("train_labels"))),
            torch.tensor(queries, [queries.Length / dim, dim]));
    }
}
