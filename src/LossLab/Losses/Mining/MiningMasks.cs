using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses.Mining;

/// <summary>Class masks and masked random choice shared by the miners; everything batched over rows.</summary>
internal static class MiningMasks
{
    /// <summary>(N, N) bool masks: same class and not self (positives), other class (negatives).</summary>
    public static (Tensor Positive, Tensor Negative) ClassMasks(Tensor labels)
    {
        using var scope = NewDisposeScope();
        var same = labels.unsqueeze(1).eq(labels.unsqueeze(0));
        var self = torch.eye(labels.shape[0], dtype: ScalarType.Bool, device: labels.device);
        var positive = same.logical_and(self.logical_not());
        var negative = same.logical_not();
        return (positive.MoveToOuterDisposeScope(), negative.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Per row, a uniformly random column where <paramref name="mask"/> is true: the argmax of i.i.d.
    /// uniform noise restricted to the mask. Rows without a true entry get an arbitrary index; callers mask them out.
    /// </summary>
    /// <param name="mask">(N, M) bool.</param>
    /// <param name="generator">Seeded CPU generator, or null for the default generator of the mask's device.</param>
    /// <returns>(N) int64 column indices.</returns>
    public static Tensor RandomChoice(Tensor mask, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var noise = Uniform(mask.shape, mask.device, generator);
        return noise.masked_fill(mask.logical_not(), -1).argmax(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Per row, a column drawn with probability proportional to <paramref name="weights"/>, by an exponential race:
    /// argmax_j w_j / E_j with E_j ~ Exp(1) picks j with probability w_j / Σw, and never a zero weight.
    /// </summary>
    /// <param name="weights">(N, M) non-negative weights; rows of zeros get an arbitrary index.</param>
    /// <param name="generator">Seeded CPU generator, or null for the default generator of the weights' device.</param>
    /// <returns>(N) int64 column indices.</returns>
    public static Tensor WeightedChoice(Tensor weights, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var exponential = Uniform(weights.shape, weights.device, generator).log_().neg_();
        return (weights / exponential).argmax(1).MoveToOuterDisposeScope();
    }

    /// <summary>Uniform [0, 1) noise of <paramref name="shape"/> on <paramref name="device"/>, drawn from <paramref name="generator"/> when given.</summary>
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
