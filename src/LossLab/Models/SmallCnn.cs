using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LossLab.Models;

/// <summary>
/// A small CNN for fast CPU runs: three conv-BN-ReLU stages (32, 64, 128 channels) with max-pooling,
/// then global average pooling. About 0.1 M parameters; works on 28×28 and 32×32 inputs.
/// </summary>
public sealed class SmallCnn : Backbone
{
    private readonly Sequential layers;

    /// <summary>Creates the network for <paramref name="inputChannels"/> input channels.</summary>
    public SmallCnn(int inputChannels)
        : base("small_cnn")
    {
        layers = nn.Sequential(
            nn.Conv2d(inputChannels, 32, 3, padding: 1, bias: false),
            nn.BatchNorm2d(32),
            nn.ReLU(inplace: true),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding: 1, bias: false),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace: true),
            nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding: 1, bias: false),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace: true),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten());
        RegisterComponents();
    }

    /// <inheritdoc />
    public override int FeatureDim => 128;

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => layers.forward(input);
}
