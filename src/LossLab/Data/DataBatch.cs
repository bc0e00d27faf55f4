using static TorchSharp.torch;

namespace LossLab.Data;

/// <summary>
/// One prepared batch. The consumer owns both tensors and must dispose the batch (they were created on the
/// loader's background thread, so no dispose scope of the consumer tracks them).
/// </summary>
public sealed class DataBatch : IDisposable
{
    /// <summary>Creates a batch; takes ownership of both tensors.</summary>
    /// <param name="images">(B, C, H, W) float32 model input.</param>
    /// <param name="labels">(B) int64 labels.</param>
    /// <param name="indices">Dataset indices of the samples.</param>
    public DataBatch(Tensor images, Tensor labels, int[] indices)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(indices);
        Images = images;
        Labels = labels;
        Indices = indices;
    }

    /// <summary>(B, C, H, W) float32 model input, on the loader's device.</summary>
    public Tensor Images { get; }

    /// <summary>(B) int64 labels, on the loader's device.</summary>
    public Tensor Labels { get; }

    /// <summary>Dataset indices of the samples, in batch order.</summary>
    public int[] Indices { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
