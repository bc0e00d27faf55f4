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
        var (positives, negatives, valid) = MineRows(d, labels, margin, generator);
        return MiningMasks.Select(valid, positives, negatives).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One (positive, negative) per row, with (N) bool validity, for detached (N, N) distances.
    /// </summary>
    internal static (Tensor Positives, Tensor Negatives, Tensor Valid) MineRows(Tensor distances, Tensor labels, double margin, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var otherClass = MiningMasks.OtherClass(labels, distances.dtype);
        var blocks = ClassBlocks.Of(labels);
        var (positives, hasPositive) = MiningMasks.RandomPositive(blocks, generator);
        var t = distances - distances.gather(1, positives.unsqueeze(1));
        // t·(margin − t) > 0 exactly when d_ap < d < d_ap + margin; the other-class mask zeroes the anchor's class.
        var rest = margin - t;
        var window = t.mul_(rest).mul_(otherClass).relu_().sign_();
        var (semiHard, hasSemiHard) = MiningMasks.RandomChoice(window, generator);
        // Rows without a semi-hard negative fall back to any negative.
        var (anyNegative, hasNegative) = MiningMasks.RandomOther(blocks, generator);
        var negatives = torch.where(hasSemiHard, semiHard, anyNegative);
        return (positives.MoveToOuterDisposeScope(), negatives.MoveToOuterDisposeScope(), hasPositive.logical_and_(hasNegative).MoveToOuterDisposeScope());
    }
}
