using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Data;

/// <summary>
/// Holds out part of a training set as a validation split, so that settings can be chosen without looking at
/// the test split. The held-out images are class-balanced and fixed (one seed for every run), so every
/// configuration and seed of a sweep is scored on the same images.
/// </summary>
public static class ValidationSplit
{
    /// <summary>Seed of the held-out choice; a constant so that the split does not move with the run's seed.</summary>
    public const int Seed = 7919;

    /// <summary>
    /// A dataset whose training split is the part of <paramref name="data"/>'s training split that was not held out
    /// and whose test split is the held-out part. The images are copies: the result owns them and the source is untouched.
    /// </summary>
    /// <param name="data">The full dataset.</param>
    /// <param name="fraction">Share of the training images to hold out, in (0, 0.5).</param>
    /// <returns>A new dataset named like the source, its source marked as a validation split.</returns>
    public static ImageDataset Carve(ImageDataset data, double fraction)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(fraction > 0 && fraction < 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "must be in (0, 0.5)");
        }

        var (keep, heldOut) = Indices(data.Train.Labels, fraction);
        using (keep)
        using (heldOut)
        {
            var train = Take(data.Train, keep);
            var validation = Take(data.Train, heldOut);
            return new ImageDataset(
                data.Name,
                $"{data.Source} (validation split: {heldOut.shape[0]} of {data.Train.Count} training images held out)",
                data.ClassNames,
                train,
                validation,
                [.. data.Mean],
                [.. data.Std]);
        }
    }

    /// <summary>The indices kept for training and the held-out ones, both ascending.</summary>
    /// <param name="labels">(N) int64 training labels.</param>
    /// <param name="fraction">Share to hold out, in (0, 0.5).</param>
    /// <returns>(N − M) and (M) int64 indices, M = round(fraction · N), disjoint, together 0..N−1.</returns>
    public static (Tensor Keep, Tensor HeldOut) Indices(Tensor labels, double fraction)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var count = labels.shape[0];
        var heldOutCount = (int)Math.Round(fraction * count);
        using var scope = torch.NewDisposeScope();
        var heldOut = Subsets.ClassBalancedLimit(labels, heldOutCount, Seed);
        var kept = torch.ones(count, ScalarType.Bool);
        kept.index_put_(torch.tensor(false), heldOut);
        var keep = kept.nonzero().squeeze(1);
        return (keep.MoveToOuterDisposeScope(), heldOut.MoveToOuterDisposeScope());
    }

    private static DatasetSplit Take(DatasetSplit split, Tensor indices) =>
        new(split.Images.index_select(0, indices), split.Labels.index_select(0, indices));
}
