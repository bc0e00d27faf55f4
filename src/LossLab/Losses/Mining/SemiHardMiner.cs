using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses.Mining;

/// <summary>
/// Semi-hard triplet mining (Schroff et al. 2015), one triplet per anchor: a random positive, then a random
/// negative with d_ap &lt; d_an &lt; d_ap + margin (a negative whose triplet loss lies in (0, margin));
/// when the anchor has none, a random negative of any distance.
/// </summary>
public static class SemiHardMiner
{
    /// <summary>Mines one triplet per anchor that has a positive and a negative in the batch.</summary>
    /// <param name="distances">(N, N) distances, the ones the loss uses (squared Euclidean for the triplet loss).</param>
    /// <param name="labels">(N) int64 class labels.</param>
    /// <param name="margin">Width of the semi-hard window; ≥ 0.</param>
    /// <param name="generator">Seeded CPU generator for reproducible draws, or null for the default generator.</param>
    /// <returns>The triplets; anchors whose class has no other sample, or with no other class in the batch, are skipped.</returns>
    public static TripletIndices Mine(Tensor distances, Tensor labels, double margin, Generator? generator = null)
    {
        LossChecks.Distances(distances, labels);
        ArgumentOutOfRangeException.ThrowIfNegative(margin);
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var d = distances.detach();
        var (positiveMask, negativeMask) = MiningMasks.ClassMasks(labels);
        var (positives, hasPositive) = MiningMasks.RandomChoice(positiveMask, generator);
        var dap = d.gather(1, positives.unsqueeze(1));
        var semiHard = negativeMask.logical_and(d.gt(dap)).logical_and_(d.lt(dap + margin));
        // Rows without a semi-hard negative fall back to all their negatives.
        var noSemiHard = semiHard.sum(1, keepdim: true).eq(0);
        var candidates = semiHard.logical_or_(negativeMask.logical_and(noSemiHard));
        var (negatives, hasNegative) = MiningMasks.RandomChoice(candidates, generator);
        return MiningMasks.Select(hasPositive.logical_and_(hasNegative), positives, negatives).MoveToOuterDisposeScope();
    }
}
