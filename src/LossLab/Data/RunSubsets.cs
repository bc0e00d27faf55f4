using LossLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Data;

/// <summary>
/// The training and test images a run uses (after <c>--imbalance-ratio</c>, <c>--train-limit</c> and
/// <c>--test-limit</c>), derived from the options alone so training and later evaluation agree.
/// </summary>
public static class RunSubsets
{
    /// <summary>(M) int64 indices of the training images the run trains on.</summary>
    public static Tensor Train(TrainOptions options, ImageDataset data)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        using var scope = torch.NewDisposeScope();
        var labels = data.Train.Labels;
        var indices = options.ImbalanceRatio is { } ratio and > 1
            ? Subsets.Imbalanced(labels, ratio, data.NumClasses)
            : torch.arange(labels.shape[0], dtype: ScalarType.Int64);
        if (options.TrainLimit is { } limit && limit < indices.shape[0])
        {
            indices = indices.index_select(0, Subsets.ClassBalancedLimit(labels.index_select(0, indices), limit, options.Seed));
        }

        return indices.MoveToOuterDisposeScope();
    }

    /// <summary>(M) int64 indices of the test images the run is evaluated on.</summary>
    public static Tensor Test(TrainOptions options, ImageDataset data)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        var labels = data.Test.Labels;
        return options.TestLimit is { } limit && limit < labels.shape[0]
            ? Subsets.ClassBalancedLimit(labels, limit, options.Seed)
            : torch.arange(labels.shape[0], dtype: ScalarType.Int64);
    }
}
