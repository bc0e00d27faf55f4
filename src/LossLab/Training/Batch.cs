using static TorchSharp.torch;

namespace LossLab.Training;

/// <summary>A prepared batch: normalised float images and int64 labels, on the training device.</summary>
public sealed class Batch : IDisposable
{
    /// <summary>Wraps the tensors; the batch owns them.</summary>
    public Batch(Tensor images, Tensor labels)
    {
        Images = images;
        Labels = labels;
    }

    /// <summary>(B, C, H, W) float32.</summary>
    public Tensor Images { get; }

    /// <summary>(B) int64.</summary>
    public Tensor Labels { get; }

    /// <summary>Images in the batch.</summary>
    public int Count => (int)Labels.shape[0];

    /// <inheritdoc />
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
