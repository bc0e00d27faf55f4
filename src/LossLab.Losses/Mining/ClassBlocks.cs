using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses.Mining;

/// <summary>
/// A batch sorted by label, for uniform draws within or outside a row's class with (N)-sized work only: in sorted
/// order a class is one contiguous block.
/// </summary>
/// <param name="Order">(N) int64 sorting permutation (stable).</param>
/// <param name="Start">(N) int64 start of each row's class block in sorted order.</param>
/// <param name="Count">(N) int64 size of each row's class.</param>
/// <param name="Rank">(N) int64 position of each row in sorted order.</param>
internal sealed record ClassBlocks(Tensor Order, Tensor Start, Tensor Count, Tensor Rank)
{
    /// <summary>The class blocks of (N) int64 <paramref name="labels"/>, in the current dispose scope.</summary>
    public static ClassBlocks Of(Tensor labels)
    {
        var (sorted, order) = labels.sort(stable: true);
        var start = torch.searchsorted(sorted, labels);
        var count = torch.searchsorted(sorted, labels, right: true).sub_(start);
        return new ClassBlocks(order, start, count, order.argsort());
    }
}
