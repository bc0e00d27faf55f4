using LossLab.Data;
using LossLab.Losses;
using LossLab.Metrics;
using LossLab.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Evaluation;

/// <summary>
/// Scores a model on the test split (SPEC §5): accuracy, macro-F1 and NMI of its predictions (argmax of
/// the classifier, or nearest class mean of the training embeddings when it has none), and the embedding
/// metrics (k-means NMI, pair F1, Recall@K) on the L2-normalised test embeddings.
/// </summary>
public sealed class Evaluator
{
    private const int EvalBatch = 128;
    private readonly BatchTransform transform;
    private readonly Device device;

    /// <summary>Creates an evaluator that normalises images with <paramref name="transform"/> (never augmenting).</summary>
    public Evaluator(BatchTransform transform, Device device)
    {
        this.transform = transform;
        this.device = device;
    }

    /// <summary>Embeddings (and logits, when the model has a classifier) of the given images, on the CPU.</summary>
    /// <param name="model">The model; switched to eval mode.</param>
    /// <param name="split">Images and labels.</param>
    /// <param name="indices">(M) int64 indices into the split.</param>
    /// <returns>(M, D) embeddings and (M, C) logits or null; the caller disposes them.</returns>
    public (Tensor Embeddings, Tensor? Logits) Embed(LabModel model, DatasetSplit split, Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        ArgumentNullException.ThrowIfNull(indices);
        model.eval();
        using var mode = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        var count = indices.shape[0];
        var embeddings = new List<Tensor>();
        var logits = new List<Tensor>();
        for (long start = 0; start < count; start += EvalBatch)
        {
            var idx = indices.narrow(0, start, Math.Min(EvalBatch, count - start));
            var images = transform.Normalize(split.Images.index_select(0, idx)).to(device);
            var output = model.forward(images);
            embeddings.Add(output.Embedding.cpu());
            if (output.Logits is not null)
            {
                logits.Add(output.Logits.cpu());
            }
        }

        var emb = torch.cat(embeddings, 0).MoveToOuterDisposeScope();
        var log = logits.Count > 0 ? torch.cat(logits, 0).MoveToOuterDisposeScope() : null;
        return (emb, log);
    }

    /// <summary>Evaluates the model on the test images, predicting by nearest class mean of the training embeddings when there is no classifier.</summary>
    public EpochMetrics Evaluate(LabModel model, LossInput input, ImageDataset data, Tensor trainIndices, Tensor testIndices, bool embeddingMetrics, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        using var scope = torch.NewDisposeScope();
        var (testEmb, testLogits) = Embed(model, data.Test, testIndices);
        var testLabels = data.Test.Labels.index_select(0, testIndices);
        Tensor predictions;
        if (input == LossInput.Logits && testLogits is not null)
        {
            predictions = testLogits.argmax(1);
        }
        else
        {
            var (trainEmb, _) = Embed(model, data.Train, trainIndices);
            var trainLabels = data.Train.Labels.index_select(0, trainIndices);
            predictions = NearestClassMean.Predict(trainEmb, trainLabels, testEmb, data.NumClasses);
        }

        var labels = testLabels.data<long>().ToArray();
        var predicted = predictions.data<long>().ToArray();
        var report = ClassificationMetrics.Compute(labels, predicted, data.NumClasses);
        var metrics = new EpochMetrics
        {
            Accuracy = report.Accuracy,
            F1Macro = report.F1Macro,
            Nmi = report.Nmi,
        };
        if (embeddingMetrics)
        {
            var emb = EmbeddingMetrics.Compute(testEmb, testLabels, data.NumClasses, new EmbeddingMetricOptions { Seed = seed });
            metrics = metrics with
            {
                KmeansNmi = emb.KMeansNmi,
                PairF1 = emb.PairF1,
                RecallAt1 = emb.RecallAt1,
                RecallAt2 = emb.RecallAt2,
                RecallAt4 = emb.RecallAt4,
                RecallAt8 = emb.RecallAt8,
            };
        }

        return metrics;
    }
}
