using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Metrics;

/// <summary>
/// The metric-learning evaluation of SPEC §5 on a set of embeddings: L2-normalise, k-means
/// with k = number of classes → NMI and pair-counting F1; leave-one-out Recall@{1,2,4,8}.
/// Runs on the CPU in float32 on <c>torch.get_num_threads()</c> threads with memory O(N·D)
/// (no N × N matrix is ever formed), whatever device the embeddings come from.
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
        CheckOptions(options);
        var (points, n, dim) = HostCopy.Matrix(embeddings, nameof(embeddings));
        if (n < 2)
        {
            throw new ArgumentException($"Leave-one-out recall needs at least 2 embeddings, got {n}.", nameof(embeddings));
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(numClasses, n);
        var classes = HostCopy.Labels(labels, n, nameof(labels));
        return Compute(points, n, dim, classes, numClasses, options, torch.get_num_threads());
    }

    /// <summary>The evaluation of row-major (n × dim) embeddings, normalised in place.</summary>
    internal static EmbeddingReport Compute(float[] points, int n, int dim, long[] labels, int numClasses, EmbeddingMetricOptions? options, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(numClasses, n);
        CheckOptions(options);
        options ??= EmbeddingMetricOptions.Default;
        Normalise(points, n, dim);

        var clustering = KMeans.Fit(points, n, dim, numClasses, options.Restarts, options.Seed, options.MaxIterations, threads);
        var clusters = clustering.Labels.Select(c => (long)c).ToArray();
        var recall = RecallAtK.Compute(points, n, dim, labels, RecallAtK.DefaultKs, threads);
        return new EmbeddingReport(
            ClassificationMetrics.Nmi(clusters, labels),
            PairF1.Compute(clusters, labels),
            recall[0],
            recall[1],
            recall[2],
            recall[3]);
    }

    private static void CheckOptions(EmbeddingMetricOptions? options)
    {
        if (options is not null && (options.Restarts < 1 || options.MaxIterations < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"Restarts and MaxIterations must be at least 1, got {options.Restarts} and {options.MaxIterations}.");
        }
    }

    // x / max(‖x‖, 1e-12) per row, as torch.nn.functional.normalize.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Normalise(float[] points, int n, int dim)
    {
        for (var i = 0; i < n; i++)
        {
            var row = points.AsSpan(i * dim, dim);
            var norm = MathF.Max(MathF.Sqrt(DotKernel.Dot(row, row)), 1e-12f);
            foreach (ref var v in row)
            {
                v /= norm;
            }
        }
    }
}
