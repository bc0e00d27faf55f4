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
        var (positives, negatives, valid) = MineRows(d, labels);
        return MiningMasks.Select(valid, positives, negatives).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One (positive, negative) per row, with (N) bool validity, for detached (N, N) distances.
    /// </summary>
    internal static (Tensor Positives, Tensor Negatives, Tensor Valid) MineRows(Tensor distances, Tensor labels)
    {
        using var scope = NewDisposeScope();
        var otherClass = MiningMasks.OtherClass(labels, distances.dtype);
        var same = 1 - otherClass;
        // Other classes score −1 (below every distance), the row itself too; same-class entries +Excluded for the minimum.
        var score = torch.addcmul(otherClass.neg(), distances, same, 1);
        score.diagonal().fill_(-1);
        var (_, positives) = score.max(1);
        var (_, negatives) = distances.add(same, MiningMasks.Excluded).min(1);
        var n = distances.shape[0];
        var counts = same.sum(1);
        var valid = counts.gt(1).logical_and_(counts.lt(n));
        return (positives.MoveToOuterDisposeScope(), negatives.MoveToOuterDisposeScope(), valid.MoveToOuterDisposeScope());
    }
}
