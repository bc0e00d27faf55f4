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
/// metrics (k-means NMI, pair F1, Recall@K) on the L2-normalised test embeddings. The model runs in eval
/// mode without autograd.
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
        var embeddings = new List<Tensor>();
        var logits = new List<Tensor>();
        using var scope = torch.NewDisposeScope();
        ForEachBatch(model, split, indices, (output, _) =>
        {
            embeddings.Add(output.Embedding.cpu().MoveToOuterDisposeScope());
            if (output.Logits is not null)
            {
                logits.Add(output.Logits.cpu().MoveToOuterDisposeScope());
            }
        });

        var emb = torch.cat(embeddings, 0).MoveToOuterDisposeScope();
        var log = logits.Count > 0 ? torch.cat(logits, 0).MoveToOuterDisposeScope() : null;
        return (emb, log);
    }

    /// <summary>Evaluates the model on the test images, predicting by nearest class mean of the training embeddings when there is no classifier.</summary>
    /// <param name="model">The model; switched to eval mode.</param>
    /// <param name="loss">
    /// The run's loss: what it reads (logits are predicted by argmax, embeddings by nearest class mean) and its
    /// <see cref="LossModule.ServingScale"/>, the scale of the served probabilities the calibration metrics score
    /// (none for a loss without one).
    /// </param>
    /// <param name="data">The dataset.</param>
    /// <param name="trainIndices">(N) int64 training images of the run.</param>
    /// <param name="testIndices">(M) int64 test (or validation) images to score.</param>
    /// <param name="embeddingMetrics">Whether to compute k-means NMI, pair F1 and Recall@K.</param>
    /// <param name="seed">Seed of the k-means and of the class-mean subset.</param>
    /// <param name="classMeanImages">Training images whose embeddings give the class means (see <see cref="ClassMeanSubset"/>); null for all.</param>
    public EpochMetrics Evaluate(
        LabModel model,
        LossModule loss,
        ImageDataset data,
        Tensor trainIndices,
        Tensor testIndices,
        bool embeddingMetrics,
        int seed,
        int? classMeanImages = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(data);
        using var scope = torch.NewDisposeScope();
        var input = loss.Input;
        var (testEmb, testLogits) = Embed(model, data.Test, testIndices);
        var testLabels = data.Test.Labels.index_select(0, testIndices);
        Tensor predictions;
        if (input == LossInput.Logits && testLogits is not null)
        {
            predictions = testLogits.argmax(1);
        }
        else
        {
            var chosen = ClassMeanSubset(data.Train.Labels.index_select(0, trainIndices), classMeanImages, seed);
            var (sums, counts) = ClassSums(model, data, trainIndices.index_select(0, chosen));
            predictions = NearestClassMean.Predict(sums, counts, testEmb);
        }

        var labels = testLabels.data<long>().ToArray();
        var predicted = predictions.data<long>().ToArray();
        var report = ClassificationMetrics.Compute(labels, predicted, data.NumClasses);
        var metrics = new EpochMetrics
        {
            Accuracy = report.Accuracy,
            F1Macro = report.F1Macro,
            Nmi = report.Nmi,
            BalancedAccuracy = report.BalancedAccuracy,
            ClassRecall = report.ClassRecall,
        };
        if (input == LossInput.Logits && testLogits is not null && loss.ServingScale is { } servingScale)
        {
            var calibration = Calibration(testLogits, servingScale, labels, data.NumClasses);
            metrics = metrics with
            {
                Ece = calibration.Ece,
                Nll = calibration.Nll,
                Brier = calibration.Brier,
                CalibrationBins = calibration.Bins,
            };
        }

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

    /// <summary>
    /// Calibration (<see cref="CalibrationMetrics"/>) of the probabilities softmax(<paramref name="scale"/>·z) of
    /// (N, C) logits z, computed as a log-softmax in double precision so that the NLL is exact.
    /// </summary>
    /// <param name="logits">(N, C) logits.</param>
    /// <param name="scale">Serving scale s &gt; 0.</param>
    /// <param name="labels">N labels in [0, C).</param>
    /// <param name="numClasses">C.</param>
    public static CalibrationReport Calibration(Tensor logits, double scale, ReadOnlySpan<long> labels, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(logits);
        using var scope = torch.NewDisposeScope();
        var logProbabilities = (logits.cpu().to(ScalarType.Float64) * scale).log_softmax(1).contiguous().data<double>().ToArray();
        return CalibrationMetrics.FromLogProbabilities(logProbabilities, labels, numClasses);
    }

    /// <summary>
    /// Positions, ascending, of a seeded class-stratified subset of about <paramref name="limit"/> of the
    /// training images: each class keeps its share of the images (rounded, at least one), drawn by a
    /// shuffle seeded with <paramref name="seed"/>, so every epoch of a run uses the same images.
    /// </summary>
    /// <param name="labels">(N) int64 labels of the training images.</param>
    /// <param name="limit">Images wanted; null or at least N keeps them all.</param>
    /// <param name="seed">Seed of the draw.</param>
    /// <returns>(K) int64 positions into <paramref name="labels"/>.</returns>
    public static Tensor ClassMeanSubset(Tensor labels, int? limit, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var classes = labels.cpu().data<long>().ToArray();
        if (limit is not { } wanted || wanted >= classes.Length)
        {
            return torch.arange(classes.Length, ScalarType.Int64);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(wanted, 1, nameof(limit));
        var rng = new Random(seed);
        var chosen = new List<long>(wanted);
        foreach (var group in Enumerable.Range(0, classes.Length).GroupBy(i => classes[i]).OrderBy(g => g.Key))
        {
            var members = group.Select(i => (long)i).ToArray();
            rng.Shuffle(members);
            var quota = Math.Clamp((int)Math.Round((double)wanted * members.Length / classes.Length), 1, members.Length);
            chosen.AddRange(members.Take(quota));
        }

        chosen.Sort();
        return torch.tensor(chosen.ToArray());
    }

    // Sums and counts of the normalised eval-mode embeddings of the given training images, class by class,
    // accumulated batch by batch: nothing of size N is kept.
    private (Tensor Sums, Tensor Counts) ClassSums(LabModel model, ImageDataset data, Tensor indices)
    {
        var (sums, counts) = NearestClassMean.Empty(data.NumClasses, model.EmbeddingDim, ScalarType.Float32, device);
        ForEachBatch(model, data.Train, indices, (output, batch) =>
            NearestClassMean.Add(sums, counts, output.Embedding, data.Train.Labels.index_select(0, batch).to(device)));
        return (sums, counts);
    }

    // Runs the model in eval mode without autograd over the images in batches of EvalBatch.
    private void ForEachBatch(LabModel model, DatasetSplit split, Tensor indices, Action<Models.ModelOutput, Tensor> use)
    {
        model.eval();
        using var mode = torch.inference_mode();
        var count = indices.shape[0];
        for (long start = 0; start < count; start += EvalBatch)
        {
            using var scope = torch.NewDisposeScope();
            var batch = indices.narrow(0, start, Math.Min(EvalBatch, count - start));
            var images = transform.Normalize(split.Images.index_select(0, batch)).to(device);
            use(model.Infer(images), batch);
        }
    }
}
