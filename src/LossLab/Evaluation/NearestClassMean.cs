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
        var train = nn.functional.normalize(trainEmbeddings, p: 2, dim: 1);
        var sums = torch.zeros(numClasses, train.shape[1], dtype: train.dtype);
        sums.index_add_(0, trainLabels, train, 1);
        var counts = trainLabels.bincount(null, numClasses);
        var means = nn.functional.normalize(sums, p: 2, dim: 1);
        var similarity = nn.functional.normalize(queries, p: 2, dim: 1).matmul(means.t());
        similarity.masked_fill_((counts == 0).unsqueeze(0), double.NegativeInfinity);
        return similarity.argmax(1).MoveToOuterDisposeScope();
    }
}
