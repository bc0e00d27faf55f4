using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Evaluation;

/// <summary>Classifies embeddings by the nearest class mean of L2-normalised training embeddings (cosine).</summary>
public static class NearestClassMean
{
    /// <summary>Predicts a class for each query.</summary>
    /// <param name="trainEmbeddings">(N, D) training embeddings.</param>
    /// <param name="trainLabels">(N) int64 labels.</param>
    /// <param name="queries">(M, D) embeddings to classify.</param>
    /// <param name="numClasses">Number of classes C.</param>
    /// <returns>(M) int64 predicted classes; a class without training samples is never predicted.</returns>
    public static Tensor Predict(Tensor trainEmbeddings, Tensor trainLabels, Tensor queries, int numClasses)
    {
        ArgumentNullException.ThrowIfNull(trainEmbeddings);
        ArgumentNullException.ThrowIfNull(trainLabels);
        ArgumentNullException.ThrowIfNull(queries);
        using var scope = torch.NewDisposeScope();
        var (sums, counts) = Empty(numClasses, trainEmbeddings.shape[1], trainEmbeddings.dtype, trainEmbeddings.device);
        Add(sums, counts, trainEmbeddings, trainLabels);
        return Predict(sums, counts, queries).MoveToOuterDisposeScope();
    }

    /// <summary>(C, D) zero sums and (C) zero counts to <see cref="Add"/> training embeddings to.</summary>
    internal static (Tensor Sums, Tensor Counts) Empty(int numClasses, long dim, ScalarType dtype, Device device) =>
        (torch.zeros([numClasses, dim], dtype, device), torch.zeros(numClasses, ScalarType.Int64, device));

    /// <summary>Adds the normalised <paramref name="embeddings"/> to their classes' sums and counts.</summary>
    internal static void Add(Tensor sums, Tensor counts, Tensor embeddings, Tensor labels)
    {
        using var scope = torch.NewDisposeScope();
        sums.index_add_(0, labels, nn.functional.normalize(embeddings, p: 2, dim: 1), 1);
        counts.add_(labels.bincount(null, counts.shape[0]));
    }

    /// <summary>The class of the nearest normalised class mean of each query; a class with no count is never predicted.</summary>
    internal static Tensor Predict(Tensor sums, Tensor counts, Tensor queries)
    {
        using var scope = torch.NewDisposeScope();
        var means = nn.functional.normalize(sums.to(queries.device), p: 2, dim: 1);
        var similarity = nn.functional.normalize(queries, p: 2, dim: 1).matmul(means.t());
        similarity.masked_fill_((counts.to(queries.device) == 0).unsqueeze(0), double.NegativeInfinity);
        return similarity.argmax(1).MoveToOuterDisposeScope();
    }
}
