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

    /// <summary>Per row, a uniformly random other sample of the row's class.</summary>
    /// <param name="labels">(N) int64 labels.</param>
    /// <param name="generator">Seeded CPU generator, or null for the default generator of the labels' device.</param>
    /// <returns>(N) int64 rows, arbitrary where the class has a single sample, and (N) bool: whether it has more.</returns>
    public static (Tensor Choice, Tensor Valid) RandomPositive(Tensor labels, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var (order, start, count, rank) = Blocks(labels);
        var n = labels.shape[0];
        // The k-th (k uniform in [0, count − 1)) of the class block in sorted order, stepping over the row itself.
        var others = count - 1;
        var k = torch.minimum((Uniform([n], labels.device, generator) * others).floor_().to(ScalarType.Int64), others - 1).clamp_min_(0);
        var position = start + k;
        position.add_(position.ge(rank)).clamp_max_(n - 1);
        return (order.index_select(0, position).MoveToOuterDisposeScope(), others.gt(0).MoveToOuterDisposeScope());
    }

    /// <summary>Per row, a uniformly random sample of another class.</summary>
    /// <param name="labels">(N) int64 labels.</param>
    /// <param name="generator">Seeded CPU generator, or null for the default generator of the labels' device.</param>
    /// <returns>(N) int64 rows, arbitrary where every sample has the row's class, and (N) bool: whether one has not.</returns>
    public static (Tensor Choice, Tensor Valid) RandomOther(Tensor labels, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var (order, start, count, _) = Blocks(labels);
        var n = labels.shape[0];
        // The k-th (k uniform in [0, N − count)) sample outside the class block in sorted order.
        var others = n - count;
        var k = torch.minimum((Uniform([n], labels.device, generator) * others).floor_().to(ScalarType.Int64), others - 1).clamp_min_(0);
        var position = k.addcmul_(count, k.ge(start).to(ScalarType.Int64), 1).clamp_max_(n - 1);
        return (order.index_select(0, position).MoveToOuterDisposeScope(), others.gt(0).MoveToOuterDisposeScope());
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
        var k = torch.minimum((Uniform([n, 1], mask.device, generator) * count).floor_().to(ScalarType.Int32), count - 1);
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
        // Column j is drawn when cdf_{j-1} ≤ t < cdf_j, so a zero weight (cdf_j = cdf_{j-1}) never is. Keeping
        // t strictly below the total stops rounding of u·total from running past the last positive weight.
        var threshold = torch.minimum(Uniform([n, 1], weights.device, generator).to(weights.dtype) * total, total.nextafter(torch.zeros_like(total)));
        return torch.searchsorted(cumulative, threshold.contiguous(), right: true).squeeze(1).clamp_max_(m - 1).MoveToOuterDisposeScope();
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

    /// <summary>
    /// The batch sorted by label: the sorting permutation, each row's class block (start, size) in it and the row's
    /// own position in it, all (N) int64.
    /// </summary>
    private static (Tensor Order, Tensor Start, Tensor Count, Tensor Rank) Blocks(Tensor labels)
    {
        using var scope = NewDisposeScope();
        var (sorted, order) = labels.sort(stable: true);
        var start = torch.searchsorted(sorted, labels);
        var count = torch.searchsorted(sorted, labels, right: true) - start;
        var rank = torch.empty_like(order).scatter_(0, order, torch.arange(labels.shape[0], device: labels.device));
        return (order.MoveToOuterDisposeScope(), start.MoveToOuterDisposeScope(), count.MoveToOuterDisposeScope(), rank.MoveToOuterDisposeScope());
    }
}
