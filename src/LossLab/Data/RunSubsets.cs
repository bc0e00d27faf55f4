using LossLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Data;

/// <summary>
/// The training and test images a run uses (after <c>--train-limit</c>, then <c>--imbalance-ratio</c>, and
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

        // The class-balanced limit comes first and the imbalance thins what it kept: the other way round, the limit
        // would even out all but the smallest classes again.
        var indices = options.TrainLimit is { } limit && limit < labels.shape[0]
            ? Subsets.ClassBalancedLimit(labels, limit, options.Seed)
            : torch.arange(labels.shape[0], dtype: ScalarType.Int64);
        if (options.ImbalanceRatio is { } ratio and > 1)
        {
            indices = indices.index_select(0, Subsets.Imbalanced(labels.index_select(0, indices), ratio, data.NumClasses));
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
