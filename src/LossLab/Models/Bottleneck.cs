using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LossLab.Models;

/// <summary>
/// The bottleneck residual block of ResNet-50 (He et al. 2016, stride on the 3×3 conv as in torchvision):
/// 1×1 conv → BN → ReLU → 3×3 conv (stride s) → BN → ReLU → 1×1 conv to 4·width → BN, plus the shortcut,
/// then ReLU. The shortcut is a 1×1 conv + BN projection when the stride or width changes, identity otherwise.
/// </summary>
public sealed class Bottleneck : nn.Module<Tensor, Tensor>
{
    /// <summary>Output width relative to <c>width</c>: 4 for this block.</summary>
    public const int Expansion = 4;

    private readonly Sequential residual;
    private readonly Sequential? shortcut;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="width">Channels of the inner convolutions; the output has 4·width.</param>
    /// <param name="stride">Stride of the 3×3 convolution (1 or 2).</param>
    public Bottleneck(int inChannels, int width, int stride)
        : base(nameof(Bottleneck))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        var outChannels = width * Expansion;
        residual = nn.Sequential(
            nn.Conv2d(inChannels, width, 1, bias: false),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace: true),
            nn.Conv2d(width, width, 3, stride: stride, padding: 1, bias: false),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace: true),
            nn.Conv2d(width, outChannels, 1, bias: false),
            nn.BatchNorm2d(outChannels));
        shortcut = ResNet.Shortcut(inChannels, outChannels, stride);
        OutChannels = outChannels;
        RegisterComponents();
    }

    /// <summary>Output channels (4·width).</summary>
    public int OutChannels { get; }

    /// <summary>(N, inChannels, H, W) → (N, OutChannels, ⌈H/stride⌉, ⌈W/stride⌉).</summary>
    public override Tensor forward(Tensor input)
    {
        using var identity = shortcut is null ? input.alias() : shortcut.call(input);
        var output = residual.call(input);
        return output.add_(identity).relu_();
    }
}
