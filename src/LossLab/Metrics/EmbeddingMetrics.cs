using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Metrics;

/// <summary>
/// The metric-learning evaluation of SPEC §5 on a set of embeddings: L2-normalise, k-means
/// with k = number of classes → NMI and pair-counting F1; leave-one-out Recall@{1,2,4,8}.
/// libtorch ops in float32 on the embeddings' device, with memory O(N·D) plus one block of
/// nearest-neighbour scores (no N × N matrix is ever formed).
/// </summary>
public static class EmbeddingMetrics
{
    /// <summary>Evaluates <paramref name="embeddings"/> against <paramref name="labels"/>.</summary>
    /// <param name="embeddings">(N, D) floating-point embeddings, N ≥ max(2, numClasses); normalised here.</param>
    /// <param name="labels">(N) integer classes (any values; only equality and grouping matter).</param>
    /// <param name="numClasses">Number of classes = number of k-means clusters, at least 1.</param>
    /// <param name="options">k-means settings; <see cref="EmbeddingMetricOptions.Default"/> when null.</param>
    public static EmbeddingReport Compute(Tensor embeddings, Tensor labels, int numClasses, EmbeddingMetricOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        if (options is not null && (options.Restarts < 1 || options.MaxIterations < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"Restarts and MaxIterations must be at least 1, got {options.Restarts} and {options.MaxIterations}.");
        }

        options ??= EmbeddingMetricOptions.Default;
        PointMatrix.Check(embeddings, nameof(embeddings), 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(numClasses, embeddings.shape[0]);
        PointMatrix.CheckLabels(labels, embeddings.shape[0], nameof(labels));
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var x = nn.functional.normalize(embeddings.detach().to(ScalarType.Float32), p: 2, dim: 1);
        var classes = labels.to(ScalarType.Int64, x.device);
        using var clustering = KMeans.Cluster(x, numClasses, options.Restarts, options.Seed, options.MaxIterations);
        var clusters = clustering.Assignments.cpu().data<long>().ToArray();
        var truth = classes.cpu().data<long>().ToArray();
        var recall = RecallAtK.Rates(x, classes, RecallAtK.DefaultKs);
        return new EmbeddingReport(
            ClassificationMetrics.Nmi(clusters, truth),
            PairF1.Compute(clusters, truth),
            recall[0],
            recall[1],
            recall[2],
            recall[3]);
    }
}
