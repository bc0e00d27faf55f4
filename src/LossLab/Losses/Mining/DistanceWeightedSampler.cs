using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses.Mining;

/// <summary>
/// Distance-weighted negative sampling (Wu et al. 2017, SPEC §2): negatives drawn with probability proportional to the
/// inverse density of distances between random points on the unit sphere in n dimensions,
/// log w = (2 − n)·log d − ((n − 3) / 2)·log(1 − d²/4), so that negatives of every distance are seen.
/// Positives are drawn uniformly from the anchor's class.
/// </summary>
public static class DistanceWeightedSampler
{
    /// <summary>Distances below this are clamped up before weighting (0.5): the density blows up near zero.</summary>
    public const double LowerClamp = 0.5;

    /// <summary>The optional upper cutoff (1.4): negatives at d ≥ 1.4 get weight zero.</summary>
    public const double DefaultCutoff = 1.4;

    private const double MinLogWeight = -80.0;

    // Keeps log(1 − d²/4) finite for d ≥ 2, which rounding can produce on the unit sphere.
    private const double MinSphereTerm = 1e-8;

    /// <summary>Sampling probabilities of every negative for every anchor.</summary>
    /// <param name="distances">(N, N) Euclidean distances between L2-normalised embeddings.</param>
    /// <param name="labels">(N) int64 class labels.</param>
    /// <param name="dimension">Embedding dimension n.</param>
    /// <param name="cutoff">Upper distance cutoff, or null for none.</param>
    /// <returns>(N, N) rows summing to 1 over the anchor's candidate negatives (other class, below the cutoff);
    /// all-zero rows for anchors without a candidate.</returns>
    public static Tensor Probabilities(Tensor distances, Tensor labels, int dimension, double? cutoff = null)
    {
        using var scope = NewDisposeScope();
        var weights = Weights(distances, labels, dimension, cutoff);
        // Row sums are ≥ 1 where there is a candidate; clamping at 1 leaves those exact and keeps empty rows at zero.
        return (weights / weights.sum(1, keepdim: true).clamp_min_(1)).MoveToOuterDisposeScope();
    }

    /// <summary>Draws one (positive, negative) pair per anchor.</summary>
    /// <param name="distances">(N, N) Euclidean distances between L2-normalised embeddings.</param>
    /// <param name="labels">(N) int64 class labels.</param>
    /// <param name="dimension">Embedding dimension n.</param>
    /// <param name="cutoff">Upper distance cutoff, or null for none.</param>
    /// <param name="generator">Seeded CPU generator for reproducible draws, or null for the default generator.</param>
    /// <returns>The triplets; anchors without a positive or without a candidate negative are skipped.</returns>
    public static TripletIndices Mine(Tensor distances, Tensor labels, int dimension, double? cutoff = null, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var weights = Weights(distances, labels, dimension, cutoff);
        using var noGrad = torch.no_grad();
        var (positiveMask, _) = MiningMasks.ClassMasks(labels);
        var (positives, hasPositive) = MiningMasks.RandomChoice(positiveMask, generator);
        var negatives = MiningMasks.WeightedChoice(weights, generator);
        var valid = hasPositive.logical_and_(weights.sum(1).gt(0));
        return MiningMasks.Select(valid, positives, negatives).MoveToOuterDisposeScope();
    }

    /// <summary>(N, N) unnormalised weights: 1 for each row's most likely candidate, 0 off the candidates.</summary>
    private static Tensor Weights(Tensor distances, Tensor labels, int dimension, double? cutoff)
    {
        LossChecks.Distances(distances, labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (cutoff is { } c)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(c, LowerClamp, nameof(cutoff));
        }

        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var d = distances.detach().clamp_min(LowerClamp);
        var sphere = d.pow(2).mul_(-0.25).add_(1).clamp_min_(MinSphereTerm);
        var logWeights = d.log_().mul_(2.0 - dimension).sub_(sphere.log_().mul_((dimension - 3) / 2.0));

        var candidates = MiningMasks.SameClass(labels).logical_not_();
        if (cutoff is { } limit)
        {
            candidates.logical_and_(distances.lt(limit));
        }

        // Subtract the row maximum over the candidates: the largest weight becomes exactly 1, so a row with any
        // candidate never underflows to all zeros, whatever the dimension. Others are pushed down by Excluded
        // (and capped at 0 so that rows without a candidate cannot overflow), then zeroed. Relative weights below
        // e^-80 (a normal float32) are raised to it: such a negative is drawn with probability < 1e-34 either way,
        // and no denormal number reaches exp and the cumulative sum, where each costs ~100 cycles on x86.
        var keep = candidates.to(logWeights.dtype);
        var rowMax = (logWeights * keep).add_(keep - 1, MiningMasks.Excluded).amax([1], keepdim: true);
        return logWeights.sub_(rowMax).clamp_(MinLogWeight, 0).exp_().mul_(keep).MoveToOuterDisposeScope();
    }
}
