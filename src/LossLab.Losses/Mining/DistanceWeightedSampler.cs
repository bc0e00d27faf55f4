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

    // Relative weights below e^-80 are raised to it (in base 2 for exp2).
    private static readonly double MinLog2Weight = -80.0 / Math.Log(2.0);

    // Keeps log(1 − d²/4) finite for d ≥ 2, which rounding can produce on the unit sphere: q·(1 − q/4) is raised to
    // 2⁻²⁴ ≈ 6e-8, the step of float32 below 1, so that its difference from 1 (what log1p takes) stays exact. It acts
    // only for d within 2e-8 of 2.
    internal const double MinSphereTerm = 1.0 / (1 << 24);

    /// <summary>Sampling probabilities of every negative for every anchor.</summary>
    /// <param name="distances">(N, N) Euclidean distances between L2-normalised embeddings.</param>
    /// <param name="labels">(N) int64 class labels.</param>
    /// <param name="dimension">Embedding dimension n.</param>
    /// <param name="cutoff">Upper distance cutoff, or null for none.</param>
    /// <returns>(N, N) rows summing to 1 over the anchor's candidate negatives (other class, below the cutoff);
    /// all-zero rows for anchors without a candidate.</returns>
    public static Tensor Probabilities(Tensor distances, Tensor labels, int dimension, double? cutoff = null)
    {
        CheckArguments(distances, labels, dimension, cutoff);
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var squared = distances.detach().square();
        var weights = Weights(squared, MiningMasks.OtherClass(labels, squared.dtype), dimension, cutoff);
        // Row sums are ≥ 1/2 where there is a candidate (see Weights); the clamp only keeps empty rows at zero.
        return (weights / weights.sum(1, keepdim: true).clamp_min_(1e-20)).MoveToOuterDisposeScope();
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
        CheckArguments(distances, labels, dimension, cutoff);
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var squared = distances.detach().square();
        var (positives, negatives, valid) = MineRows(squared, labels, dimension, cutoff, generator);
        return MiningMasks.Select(valid, positives, negatives).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One (positive, negative) per row, with (N) bool validity, for detached (N, N) squared distances.
    /// </summary>
    internal static (Tensor Positives, Tensor Negatives, Tensor Valid) MineRows(
        Tensor squaredDistances, Tensor labels, int dimension, double? cutoff, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var weights = Weights(squaredDistances, MiningMasks.OtherClass(labels, squaredDistances.dtype), dimension, cutoff);
        var (positives, hasPositive) = MiningMasks.RandomPositive(ClassBlocks.Of(labels), generator);
        var negatives = MiningMasks.WeightedChoice(weights, generator);
        var valid = hasPositive.logical_and_(weights.sum(1).gt(0));
        return (positives.MoveToOuterDisposeScope(), negatives.MoveToOuterDisposeScope(), valid.MoveToOuterDisposeScope());
    }

    private static void CheckArguments(Tensor distances, Tensor labels, int dimension, double? cutoff)
    {
        LossChecks.Distances(distances, labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (cutoff is { } c)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(c, LowerClamp, nameof(cutoff));
        }
    }

    /// <summary>(N, N) unnormalised weights from squared distances q = d²: between 1/2 and 2 for each row's most likely
    /// candidate, 0 off the candidates.</summary>
    private static Tensor Weights(Tensor squared, Tensor otherClass, int dimension, double? cutoff)
    {
        using var scope = NewDisposeScope();
        var q = squared.clamp_min(LowerClamp * LowerClamp);
        // log w = (2 − n)·log d − ((n − 3)/2)·log(1 − q/4) = b·log(q·(1 − q/4)) − ½·log q with b = −(n − 3)/2:
        // one logarithm (the costliest op here) and a factor 1/√q, which lies in [1/2, 2] as d ∈ [0.5, 2]. The
        // logarithm is log1p(q − q²/4 − 1), which libtorch evaluates several times faster than log or log2.
        var exponent = torch.addcmul(q, q, q, -0.25).sub_(1).clamp_min_(MinSphereTerm - 1).log1p_().mul_(-(dimension - 3) / (2.0 * Math.Log(2.0)));
        var keep = otherClass;
        if (cutoff is { } limit)
        {
            // (limit² − q) > 0 ⇔ d < limit, as 0/1 by float arithmetic.
            keep = (limit * limit - squared).relu_().sign_().mul_(otherClass);
        }

        // Subtract the row maximum of the exponent over the candidates: the largest weight is then 1/√q ≥ 1/2, so a
        // row with any candidate never underflows to all zeros, whatever the dimension. Others are pushed down by
        // Excluded (and capped at 0 so that rows without a candidate cannot overflow), then zeroed. Relative weights
        // below e^-80 (a normal float32) are raised to it: such a negative is drawn with probability < 1e-34 either
        // way, and no denormal number reaches exp2 and the cumulative sum, where each costs ~100 cycles on x86.
        var rowMax = exponent.add(keep - 1, MiningMasks.Excluded).amax([1], keepdim: true);
        return exponent.sub_(rowMax).clamp_(MinLog2Weight, 0).exp2_().mul_(q.pow_(-0.5)).mul_(keep).MoveToOuterDisposeScope();
    }
}
