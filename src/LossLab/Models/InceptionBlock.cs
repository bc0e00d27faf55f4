using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LossLab.Models;

/// <summary>
/// An Inception v1 block with batch norm (Szegedy et al. 2015; BN as in Ioffe and Szegedy 2015): four
/// parallel branches concatenated on channels — 1×1; 1×1 reduce → 3×3; 1×1 reduce → "5×5";
/// 3×3 max-pool (stride 1) → 1×1. Every convolution is conv (no bias) → BN → ReLU. The 5×5 branch is
/// two stacked 3×3 convolutions (same receptive field, fewer FLOPs), as in the common CIFAR adaptations.
/// Spatial size is preserved.
/// </summary>
public sealed class InceptionBlock : nn.Module<Tensor, Tensor>
{
    private readonly Sequential branch1;
    private readonly Sequential branch3;
    private readonly Sequential branch5;
    private readonly Sequential branchPool;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="out1x1">Channels of the 1×1 branch.</param>
    /// <param name="reduce3x3">Channels of the 1×1 reduction before the 3×3 branch.</param>
    /// <param name="out3x3">Channels of the 3×3 branch.</param>
    /// <param name="reduce5x5">Channels of the 1×1 reduction before the 5×5 branch.</param>
    /// <param name="out5x5">Channels of the 5×5 branch.</param>
    /// <param name="poolProjection">Channels of the 1×1 projection after the max-pool.</param>
    public InceptionBlock(int inChannels, int out1x1, int reduce3x3, int out3x3, int reduce5x5, int out5x5, int poolProjection)
        : base(nameof(InceptionBlock))
    {
        foreach (var (value, name) in new[]
                 {
                     (inChannels, nameof(inChannels)), (out1x1, nameof(out1x1)), (reduce3x3, nameof(reduce3x3)),
                     (out3x3, nameof(out3x3)), (reduce5x5, nameof(reduce5x5)), (out5x5, nameof(out5x5)),
                     (poolProjection, nameof(poolProjection)),
                 })
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, name);
        }

        branch1 = ConvBnRelu(nn.Sequential(), inChannels, out1x1, 1);
        branch3 = ConvBnRelu(ConvBnRelu(nn.Sequential(), inChannels, reduce3x3, 1), reduce3x3, out3x3, 3);
        branch5 = ConvBnRelu(ConvBnRelu(ConvBnRelu(nn.Sequential(), inChannels, reduce5x5, 1), reduce5x5, out5x5, 3), out5x5, out5x5, 3);
        branchPool = ConvBnRelu(nn.Sequential(nn.MaxPool2d(3, stride: 1, padding: 1)), inChannels, poolProjection, 1);
        OutChannels = out1x1 + out3x3 + out5x5 + poolProjection;
        RegisterComponents();
    }

    /// <summary>Output channels: the sum of the four branches' widths.</summary>
    public int OutChannels { get; }

    /// <summary>(N, inChannels, H, W) → (N, <see cref="OutChannels"/>, H, W).</summary>
    public override Tensor forward(Tensor input)
    {
        using var a = branch1.call(input);
        using var b = branch3.call(input);
        using var c = branch5.call(input);
        using var d = branchPool.call(input);
        return torch.cat([a, b, c, d], 1);
    }

    /// <summary>Appends conv (k×k, same padding, no bias) → BN → ReLU to <paramref name="sequence"/>.</summary>
    internal static Sequential ConvBnRelu(Sequential sequence, int inChannels, int outChannels, int kernel) =>
        sequence
            .append(nn.Conv2d(inChannels, outChannels, kernel, padding: kernel / 2, bias: false))
            .append(nn.BatchNorm2d(outChannels))
            .append(nn.ReLU(inplace: true));
}
