using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LossLab.Models;

/// <summary>
/// A small CNN for fast CPU runs: three conv-BN-ReLU stages (32, 64, 128 channels) with 2×2 max-pooling
/// between them, then 2×2 adaptive average pooling, which keeps the coarse layout of the image
/// (512 features; a global average loses it and learns markedly slower on Fashion-MNIST). About 0.16 M
/// parameters with its heads; works on 28×28 and 32×32 inputs.
/// </summary>
public sealed class SmallCnn : Backbone
{
    private readonly Sequential layers;

    // The conv and batch-norm of each stage, for the inference path (an array: not registered twice as submodules).
    private readonly (Conv2d Conv, BatchNorm2d Norm)[] stages;

    /// <summary>Creates the network for <paramref name="inputChannels"/> input channels.</summary>
    public SmallCnn(int inputChannels)
        : base("small_cnn")
    {
        stages = [Stage(inputChannels, 32), Stage(32, 64), Stage(64, 128)];
        layers = nn.Sequential(
            nn.Sequential(stages[0].Conv, stages[0].Norm, nn.ReLU(inplace: true)),
            nn.MaxPool2d(2),
            nn.Sequential(stages[1].Conv, stages[1].Norm, nn.ReLU(inplace: true)),
            nn.MaxPool2d(2),
            nn.Sequential(stages[2].Conv, stages[2].Norm, nn.ReLU(inplace: true)),
            nn.AdaptiveAvgPool2d(2),
            nn.Flatten());
        RegisterComponents();
    }

    /// <inheritdoc />
    public override int FeatureDim => 512;

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => layers.forward(input);

    /// <summary>
    /// The eval-mode forward without autograd, about half the time of <see cref="forward"/> on
    /// the CPU: each batch norm folded into its convolution (the same affine map, rounded
    /// differently: outputs move by about 1e-6 relative), each 2×2 max-pool as the maximum of
    /// four strided views (the same values; libtorch's max-pool kernel is several times slower),
    /// and the activations and weights in channels-last layout, which oneDNN's convolutions read
    /// without converting each batch (0.84–0.92× the time of the same stack in the default layout
    /// on one thread, the evaluation's setting under the default <c>--jobs</c>; see
    /// <c>infer-layout</c> in benchmarks/LossLab.Benchmarks).
    /// </summary>
    internal override Tensor Infer(Tensor input)
    {
        if (training || torch.is_grad_enabled())
        {
            return base.Infer(input);
        }

        using var scope = torch.NewDisposeScope();
        var x = ChannelsLast(input);
        for (var s = 0; s < stages.Length; s++)
        {
            var (conv, norm) = stages[s];
            var scale = norm.weight! / (norm.running_var! + norm.eps).sqrt();
            var shift = norm.bias! - (norm.running_mean! * scale);
            x = nn.functional.conv2d(x, ChannelsLast(conv.weight! * scale.view(-1, 1, 1, 1)), shift, padding: [1, 1]).relu_();
            x = s < stages.Length - 1 ? MaxPool2(x) : nn.functional.adaptive_avg_pool2d(x, [2, 2]).flatten(1);
        }

        return x.MoveToOuterDisposeScope();
    }

    private static (Conv2d Conv, BatchNorm2d Norm) Stage(int input, int output) =>
        (nn.Conv2d(input, output, 3, padding: 1, bias: false), nn.BatchNorm2d(output));

    // The same (N, C, H, W) tensor stored channels-last (strides of an N, H, W, C array), which libtorch
    // recognises and keeps through the convolutions, ReLUs and strided maxima.
    internal static Tensor ChannelsLast(Tensor x) => x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    // 2×2 max-pooling with stride 2 (a trailing odd row or column dropped, as MaxPool2d(2) does).
    internal static Tensor MaxPool2(Tensor x)
    {
        var (height, width) = (x.shape[2] / 2 * 2, x.shape[3] / 2 * 2);
        x = x.narrow(2, 0, height).narrow(3, 0, width);
        var even = TensorIndex.Slice(0, null, 2);
        var odd = TensorIndex.Slice(1, null, 2);
        var top = torch.maximum(x[.., .., even, even], x[.., .., even, odd]);
        var bottom = torch.maximum(x[.., .., odd, even], x[.., .., odd, odd]);
        return torch.maximum(top, bottom);
    }
}
