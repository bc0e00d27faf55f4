using TorchSharp;

namespace LossLab.Data;

/// <summary>
/// One split of an image dataset, held as a single uint8 tensor rather than one tensor per image.
/// </summary>
public sealed class DatasetSplit : IDisposable
{
    /// <summary>Creates a split; takes ownership of both tensors.</summary>
    /// <param name="images">(N, C, H, W) uint8 pixels.</param>
    /// <param name="labels">(N) int64 class indices.</param>
    public DatasetSplit(torch.Tensor images, torch.Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.dim() != 4 || images.dtype != torch.ScalarType.Byte)
        {
            throw new ArgumentException($"images must be a (N, C, H, W) uint8 tensor, got {images.dtype} of shape [{string.Join(", ", images.shape)}]", nameof(images));
        }

        if (labels.dim() != 1 || labels.shape[0] != images.shape[0] || labels.dtype != torch.ScalarType.Int64)
        {
            throw new ArgumentException($"labels must be a (N) int64 tensor with N = {images.shape[0]}, got {labels.dtype} of shape [{string.Join(", ", labels.shape)}]", nameof(labels));
        }

        Images = images;
        Labels = labels;
    }

    /// <summary>(N, C, H, W) uint8 pixels.</summary>
    public torch.Tensor Images { get; }

    /// <summary>(N) int64 class indices.</summary>
    public torch.Tensor Labels { get; }

    /// <summary>Number of images.</summary>
    public int Count => (int)Images.shape[0];

    /// <summary>Images per class, indexed by class.</summary>
    /// <param name="numClasses">Number of classes of the dataset.</param>
    public long[] CountsPerClass(int numClasses) =>
        Labels.bincount(null, numClasses).data<long>().ToArray();

    /// <inheritdoc />
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
