using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses.Mining;

/// <summary>
/// Class masks and random choices shared by the miners, batched over rows. On CPU a comparison writing an (N, N) bool
/// tensor, <c>where</c>, <c>argmax</c> and (N, N) random draws each cost 5–40× an elementwise product, so masks are
/// built with float arithmetic, uniform choices within a class work on the batch sorted by label ((N) tensors only),
/// and a masked choice is one cumulative sum and one binary search per row, with one uniform per row.
/// </summary>
internal static class MiningMasks
{
    /// <summary>
    /// Added (times −1) to entries a max or logsumexp must ignore. Unlike −∞ it keeps 0·x and x − x finite; it is
    /// added once and never subtracted back, so kept entries are exact.
    /// </summary>
    public const double Excluded = 1e30;

    /// <summary>(N, N) 1 where the labels differ, 0 where they agree (diagonal included), in <paramref name="dtype"/>.</summary>
    public static Tensor OtherClass(Tensor labels, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        // Labels are integers: the squared difference is ≥ 1 exactly where they differ.
        var l = labels.to(dtype);
        var difference = l.unsqueeze(1) - l.unsqueeze(0);
        return difference.mul_(difference).clamp_max_(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Per row, a uniformly random other sample of the row's class.
    /// </summary>
    /// <param name="labels">(N) int64 labels.</param>
    /// <param name="generator">Seeded CPU generator, or null for the default generator.</param>
    /// <returns>(N) int64 rows, arbitrary where the class has a single sample, and (N) bool: whether it has more.</returns>
    public static (Tensor Choice, Tensor Valid) RandomPositive(Tensor labels, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var (choice, valid) = RandomPositive(ClassBlocks.Of(labels), generator);
        return (choice.MoveToOuterDisposeScope(), valid.MoveToOuterDisposeScope());
    }

    /// <summary>Per row, a uniformly random other sample of the row's class.</summary>
    /// <param name="blocks">The batch's class blocks.</param>
    /// <param name="generator">Seeded CPU generator, or null for the default generator of the labels' device.</param>
    /// <returns>(N) int64 rows, arbitrary where the class has a single sample, and (N) bool: whether it has more.</returns>
    public static (Tensor Choice, Tensor Valid) RandomPositive(ClassBlocks blocks, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var n = blocks.Order.shape[0];
        // The k-th (k uniform in [0, count − 1)) of the class block in sorted order, stepping over the row itself.
        var others = blocks.Count - 1;
        var position = Below(others, generator).add_(blocks.Start);
        position.add_(position.ge(blocks.Rank)).clamp_max_(n - 1);
        return (blocks.Order.index_select(0, position).MoveToOuterDisposeScope(), others.gt(0).MoveToOuterDisposeScope());
    }

    /// <summary>Per row, a uniformly random sample of another class.</summary>
    /// <param name="blocks">The batch's class blocks.</param>
    /// <param name="generator">Seeded CPU generator, or null for the default generator of the labels' device.</param>
    /// <returns>(N) int64 rows, arbitrary where every sample has the row's class, and (N) bool: whether one has not.</returns>
    public static (Tensor Choice, Tensor Valid) RandomOther(ClassBlocks blocks, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var n = blocks.Order.shape[0];
        // The k-th (k uniform in [0, N − count)) sample outside the class block in sorted order.
        var others = n - blocks.Count;
        var k = Below(others, generator);
        var position = k.addcmul_(blocks.Count, k.ge(blocks.Start), 1).clamp_max_(n - 1);
        return (blocks.Order.index_select(0, position).MoveToOuterDisposeScope(), others.gt(0).MoveToOuterDisposeScope());
    }

    /// <summary>Per row, a uniformly random column where <paramref name="mask"/> is 1.</summary>
    /// <param name="mask">(N, M) 0/1 floating-point or bool mask.</param>
    /// <param name="generator">Seeded CPU generator, or null for the default generator of the mask's device.</param>
    /// <returns>(N) int64 columns, arbitrary on rows without a 1, and (N) bool: whether the row has one.</returns>
    public static (Tensor Choice, Tensor Valid) RandomChoice(Tensor mask, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var n = mask.shape[0];
        var m = mask.shape[1];
        // The k-th marked entry (k uniform in [0, count)) is the first column whose running count exceeds k.
        var cumulative = mask.cumsum(1, ScalarType.Int32);
        var count = cumulative.narrow(1, m - 1, 1);
        // u < 1 in float32 makes u·count round below count, so truncation gives k < count without a clamp.
        var k = (Uniform([n, 1], mask.device, generator) * count).to(ScalarType.Int32);
        var choice = torch.searchsorted(cumulative, k.contiguous(), right: true).squeeze(1).clamp_max_(m - 1);
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
        // Column j is drawn when cdf_{j-1} ≤ t < cdf_j, so a zero weight (cdf_j = cdf_{j-1}) never is. A float32
        // u < 1 is at most 1 − 2⁻²⁴, so u·total rounds strictly below the total (in float32 and float64) and t never
        // runs past the last positive weight.
        var u = Uniform([n, 1], weights.device, generator);
        var threshold = (u.dtype == weights.dtype ? u : u.to(weights.dtype)).mul_(total);
        return torch.searchsorted(cumulative, threshold, right: true).squeeze(1).clamp_max_(m - 1).MoveToOuterDisposeScope();
    }

    /// <summary>Uniform [0, 1) float32 noise of <paramref name="shape"/> on <paramref name="device"/>, drawn from <paramref name="generator"/> when given.</summary>
    public static Tensor Uniform(long[] shape, Device device, Generator? generator)
    {
        if (generator is null)
        {
            return torch.rand(shape, device: device);
        }

        // The generator lives on its own device (normally the CPU); draw there, then move if needed.
        var drawn = torch.rand(shape, device: generator.device, generator: generator);
        if (drawn.device == device)
        {
            return drawn;
        }

        using (drawn)
        {
            return drawn.to(device, copy: true);
        }
    }

    /// <summary>Keeps the rows of a per-row choice where <paramref name="valid"/> holds.</summary>
    public static TripletIndices Select(Tensor valid, Tensor positives, Tensor negatives)
    {
        using var scope = NewDisposeScope();
        var anchors = valid.nonzero().squeeze(1);
        return new TripletIndices(anchors, positives.index_select(0, anchors), negatives.index_select(0, anchors))
            .MoveToOuterDisposeScope();
    }

    /// <summary>A uniform integer in [0, bound) per entry of the int64 <paramref name="bound"/> (0 where bound is 0).</summary>
    private static Tensor Below(Tensor bound, Generator? generator)
    {
        // u < 1 in float32 makes u·bound round below bound, and truncation is the floor of a non-negative number.
        using var u = Uniform(bound.shape, bound.device, generator);
        return u.mul_(bound).to(ScalarType.Int64);
    }
}
