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
    /// <param name="distances">(N, N) distances.</param>
    /// <param name="labels">(N) int64 class labels.</param>
    /// <returns>The triplets; anchors without a positive or a negative are skipped.</returns>
    public static TripletIndices Mine(Tensor distances, Tensor labels)
    {
        LossChecks.Distances(distances, labels);
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var d = distances.detach();
        var (positiveMask, negativeMask) = MiningMasks.ClassMasks(labels);
        var positives = d.masked_fill(positiveMask.logical_not(), double.NegativeInfinity).argmax(1);
        var negatives = d.masked_fill(negativeMask.logical_not(), double.PositiveInfinity).argmin(1);
        var valid = positiveMask.any(1).logical_and(negativeMask.any(1));
        return MiningMasks.Select(valid, positives, negatives).MoveToOuterDisposeScope();
    }
}
