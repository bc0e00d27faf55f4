using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LossLab.Models;

/// <summary>
/// The two-convolution residual block of ResNet-18/34 (He et al. 2016):
/// 3×3 conv (stride s) → BN → ReLU → 3×3 conv → BN, plus the shortcut, then ReLU.
/// The shortcut is a 1×1 conv + BN projection when the stride or width changes, identity otherwise.
/// </summary>
public sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    /// <summary>Output width relative to <c>width</c>: 1 for this block.</summary>
    public const int Expansion = 1;

    private readonly Sequential residual;
    private readonly Sequential? shortcut;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="width">Channels of both convolutions and of the output.</param>
    /// <param name="stride">Stride of the first convolution (1 or 2).</param>
    public BasicBlock(int inChannels, int width, int stride)
        : base(nameof(BasicBlock))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        residual = nn.Sequential(
            nn.Conv2d(inChannels, width, 3, stride: stride, padding: 1, bias: false),
            nn.BatchNorm2d(width),
            nn.ReLU(inplace: true),
            nn.Conv2d(width, width, 3, padding: 1, bias: false),
            nn.BatchNorm2d(width));
        shortcut = ResNet.Shortcut(inChannels, width * Expansion, stride);
        OutChannels = width * Expansion;
        RegisterComponents();
    }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>(N, inChannels, H, W) → (N, OutChannels, ⌈H/stride⌉, ⌈W/stride⌉).</summary>
    public override Tensor forward(Tensor input)
    {
        using var identity = shortcut is null ? input.alias() : shortcut.call(input);
        var output = residual.call(input);
        return output.add_(identity).relu_();
    }
}
