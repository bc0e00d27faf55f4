using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses.Mining;

/// <summary>
/// Batch-hard triplet mining (Hermans et al. 2017), one triplet per anchor: the farthest positive and the
/// nearest negative in the batch.
/// </summary>
public static class BatchHardMiner
{
    /// <summary>Mines the hardest triplet of every anchor that has a positive and a negative in the batch.</summary>
    /// <param name="distances">(N, N) non-negative distances.</param>
    /// <param name="labels">(N) int64 class labels.</param>
    /// <returns>The triplets; anchors without a positive or a negative are skipped.</returns>
    public static TripletIndices Mine(Tensor distances, Tensor labels)
    {
        LossChecks.Distances(distances, labels);
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var d = distances.detach();
        var same = MiningMasks.SameClass(labels).to(d.dtype);
        var positive = same.clone();
        positive.diagonal().zero_();
        // Non-positives score −1 (below every distance), same-class entries +Excluded (above every distance).
        var (_, positives) = torch.addcmul(positive - 1, d, positive, 1).max(1);
        var (_, negatives) = d.add(same, MiningMasks.Excluded).min(1);
        var n = labels.shape[0];
        var counts = same.sum(1);
        var valid = counts.gt(1).logical_and_(counts.lt(n));
        return MiningMasks.Select(valid, positives, negatives).MoveToOuterDisposeScope();
    }
}
