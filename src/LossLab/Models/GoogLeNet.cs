using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LossLab.Models;

/// <summary>
/// GoogLeNet / Inception v1 with batch norm, adapted to 32×32 images as in the common CIFAR versions:
/// the ImageNet stem (7×7/2 conv, max-pools, LRN) is replaced by one 3×3 conv to 192 channels → BN → ReLU,
/// then inception 3a, 3b, 3×3 max-pool stride 2, 4a–4e, 3×3 max-pool stride 2, 5a, 5b and global average
/// pooling to (N, 1024). The auxiliary classifiers and dropout are left out (the embedding head follows).
/// Each inception branch is conv → BN → ReLU with bias-free convolutions, and the 5×5 branch is two 3×3
/// convolutions (see <see cref="InceptionBlock"/>). Convolutions keep TorchSharp's default init.
/// A 32×32 input runs the inception stages at 32, 16 and 8 pixels; 28×28 at 28, 14, 7; anything ≥ 16 works.
/// </summary>
public sealed class GoogLeNet : Backbone
{
    private readonly Sequential layers;

    /// <summary>Creates the network.</summary>
    /// <param name="inputChannels">Image channels (1 or 3 in LossLab, any positive number works).</param>
    public GoogLeNet(int inputChannels)
        : base(nameof(GoogLeNet))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputChannels, 1);
        layers = InceptionBlock.ConvBnRelu(nn.Sequential(), inputChannels, 192, 3);
        var channels = 192;
        void Inception(string name, int c1, int r3, int c3, int r5, int c5, int pool)
        {
            var block = new InceptionBlock(channels, c1, r3, c3, r5, c5, pool);
            layers.append(name, block);
            channels = block.OutChannels;
        }

        // Widths from Szegedy et al. 2015, Table 1.
        Inception("inception3a", 64, 96, 128, 16, 32, 32);
        Inception("inception3b", 128, 128, 192, 32, 96, 64);
        layers.append("pool3", nn.MaxPool2d(3, stride: 2, padding: 1));
        Inception("inception4a", 192, 96, 208, 16, 48, 64);
        Inception("inception4b", 160, 112, 224, 24, 64, 64);
        Inception("inception4c", 128, 128, 256, 24, 64, 64);
        Inception("inception4d", 112, 144, 288, 32, 64, 64);
        Inception("inception4e", 256, 160, 320, 32, 128, 128);
        layers.append("pool4", nn.MaxPool2d(3, stride: 2, padding: 1));
        Inception("inception5a", 256, 160, 320, 32, 128, 128);
        Inception("inception5b", 384, 192, 384, 48, 128, 128);
        layers.append("avgpool", nn.AdaptiveAvgPool2d(1)).append("flatten", nn.Flatten());
        FeatureDim = channels;
        RegisterComponents();
    }

    /// <inheritdoc />
    public override int FeatureDim { get; }

    /// <summary>(N, C, H, W) images → (N, 1024) features.</summary>
    public override Tensor forward(Tensor input) => layers.call(input);
}
