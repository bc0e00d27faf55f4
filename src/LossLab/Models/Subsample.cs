using static TorchSharp.torch;

namespace LossLab.Models;

/// <summary>
/// Keeps every <c>stride</c>-th row and column: (N, C, H, W) → (N, C, ⌈H/stride⌉, ⌈W/stride⌉).
/// Followed by a stride-1 1×1 convolution it equals a stride-s 1×1 convolution, which
/// <see cref="ResNet"/> uses because oneDNN 3.7 (in libtorch 2.10) dies with SIGFPE while planning
/// the backward pass of strided 1×1 convolutions with 512+ input channels on AVX-512 CPUs.
/// </summary>
internal sealed class Subsample : nn.Module<Tensor, Tensor>
{
    private readonly int stride;

    public Subsample(int stride)
        : base(nameof(Subsample))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        this.stride = stride;
    }

    public override Tensor forward(Tensor input)
    {
        using var rows = input.slice(2, 0, input.shape[2], stride);
        return rows.slice(3, 0, input.shape[3], stride);
    }
}
