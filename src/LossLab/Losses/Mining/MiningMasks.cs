using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses.Mining;

/// <summary>
/// Class masks and masked random choice shared by the miners, batched over rows. Everything here avoids
/// <c>masked_fill</c>, <c>where</c>, <c>any(dim)</c>, <c>argmax</c> and (N, N) random draws, which cost 10–40× an
/// elementwise product on CPU: a choice is one cumulative sum, one comparison and one row sum, with one uniform per row.
/// </summary>
internal static class MiningMasks
{
    /// <summary>
    /// Added (times −1) to entries a max or logsumexp must ignore. Unlike −∞ it keeps 0·x and x − x finite; it is
    /// added once and never subtracted back, so kept entries are exact.
    /// </summary>
    public const double Excluded = 1e30;

    /// <summary>(N, N) bool: same label.</summary>
    public static Tensor SameClass(Tensor labels) => labels.unsqueeze(1).eq(labels.unsqueeze(0));

    /// <summary>(N, N) bool masks: same class and not self (positives), other class (negatives).</summary>
    public static (Tensor Positive, Tensor Negative) ClassMasks(Tensor labels)
    {
        using var scope = NewDisposeScope();
        var same = SameClass(labels);
        var positive = same.clone();
        positive.diagonal().fill_(false);
        return (positive.MoveToOuterDisposeScope(), same.logical_not_().MoveToOuterDisposeScope());
    }

    /// <summary>Per row, a uniformly random column where <paramref name="mask"/> is true.</summary>
    /// <param name="mask">(N, M) bool.</param>
    /// <param name="generator">Seeded CPU generator, or null for the default generator of the mask's device.</param>
    /// <returns>(N) int64 columns, arbitrary on rows without a true entry, and (N) bool: whether the row has one.</returns>
    public static (Tensor Choice, Tensor Valid) RandomChoice(Tensor mask, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var n = mask.shape[0];
        var m = mask.shape[1];
        // The k-th true entry (k uniform in [0, count)) is the column where the running count first exceeds k.
        var cumulative = mask.cumsum(1);
        var count = cumulative.narrow(1, m - 1, 1);
        var k = (Uniform([n, 1], mask.device, generator) * count).floor_().to(ScalarType.Int64);
        k = torch.minimum(k, count - 1);
        var choice = cumulative.le(k).sum(1);
        return (choice.MoveToOuterDisposeScope(), count.squeeze(1).gt(0).MoveToOuterDisposeScope());
    }

    /// <summary>Per row, a column drawn with probability proportional to <paramref name="weights"/> (inverse CDF).</summary>
    /// <param name="weights">(N, M) non-negative floating-point weights.</param>
    /// <param name="generator">Seeded CPU generator, or null for the default generator of the weights' device.</param>
    /// <returns>(N) int64 columns, arbitrary on all-zero rows; never a zero-weight column otherwise.</returns>
    public static Tensor WeightedChoice(Tensor weights, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var n = weights.shape[0];
        var m = weights.shape[1];
        var cumulative = weights.cumsum(1);
        var total = cumulative.narrow(1, m - 1, 1);
        // Column j is drawn when cdf_{j-1} ≤ t < cdf_j, so a zero weight (cdf_j = cdf_{j-1}) never is. Keeping
        // t strictly below the total stops rounding of u·total from running past the last positive weight.
        var threshold = torch.minimum(Uniform([n, 1], weights.device, generator).to(weights.dtype) * total, total.nextafter(torch.zeros_like(total)));
        return cumulative.le(threshold).sum(1).clamp_max_(m - 1).MoveToOuterDisposeScope();
    }

    /// <summary>Uniform [0, 1) float32 noise of <paramref name="shape"/> on <paramref name="device"/>, drawn from <paramref name="generator"/> when given.</summary>
    public static Tensor Uniform(long[] shape, Device device, Generator? generator)
    {
        if (generator is null)
        {
            return torch.rand(shape, device: device);
        }

        // The generator lives on its own device (normally the CPU); draw there, then move.
        using var drawn = torch.rand(shape, device: generator.device, generator: generator);
        return drawn.to(device, copy: true);
    }

    /// <summary>Keeps the rows of a per-row choice where <paramref name="valid"/> holds.</summary>
    public static TripletIndices Select(Tensor valid, Tensor positives, Tensor negatives)
    {
        using var scope = NewDisposeScope();
        var anchors = valid.nonzero().squeeze(1);
        return new TripletIndices(anchors, positives.index_select(0, anchors), negatives.index_select(0, anchors))
            .MoveToOuterDisposeScope();
    }
}
