using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LossLab.Models;

/// <summary>
/// ResNet (He et al. 2016) with the CIFAR stem: 3×3 conv (stride 1) → BN → ReLU and no max-pool, so 32×32
/// inputs keep their resolution into the first stage. Four stages of 64, 128, 256, 512 base channels, the
/// first block of stages 2–4 with stride 2, then global average pooling to (N, 512·expansion).
/// Convolutions use Kaiming-normal init (fan_out, ReLU); batch norms start at weight 1, bias 0.
/// Works for any input of at least 16×16 (28×28 gives 28→14→7→4 spatial maps).
/// </summary>
public sealed class ResNet : Backbone
{
    private static readonly int[] StageWidths = [64, 128, 256, 512];

    private readonly Sequential stem;
    private readonly Sequential stages;
    private readonly Sequential head;

    /// <summary>Creates the network.</summary>
    /// <param name="inputChannels">Image channels (1 or 3 in LossLab, any positive number works).</param>
    /// <param name="block">Residual block type.</param>
    /// <param name="depths">Blocks per stage, four entries; e.g. [2, 2, 2, 2] for ResNet-18.</param>
    public ResNet(int inputChannels, ResNetBlockType block, IReadOnlyList<int> depths)
        : base(nameof(ResNet))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputChannels, 1);
        ArgumentNullException.ThrowIfNull(depths);
        if (depths.Count != StageWidths.Length || depths.Any(d => d < 1))
        {
            throw new ArgumentException($"expected {StageWidths.Length} positive stage depths, got [{string.Join(", ", depths)}]", nameof(depths));
        }

        stem = nn.Sequential(
            nn.Conv2d(inputChannels, StageWidths[0], 3, padding: 1, bias: false),
            nn.BatchNorm2d(StageWidths[0]),
            nn.ReLU(inplace: true));

        stages = nn.Sequential();
        var channels = StageWidths[0];
        for (var stage = 0; stage < StageWidths.Length; stage++)
        {
            for (var i = 0; i < depths[stage]; i++)
            {
                var stride = stage > 0 && i == 0 ? 2 : 1;
                (nn.Module<Tensor, Tensor> module, channels) = block switch
                {
                    ResNetBlockType.Basic => MakeBasic(channels, StageWidths[stage], stride),
                    ResNetBlockType.Bottleneck => MakeBottleneck(channels, StageWidths[stage], stride),
                    _ => throw new ArgumentOutOfRangeException(nameof(block), block, "unknown block type"),
                };
                stages.append($"layer{stage + 1}_{i}", module);
            }
        }

        head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten());
        FeatureDim = channels;
        RegisterComponents();
        InitializeWeights();
    }

    /// <summary>ResNet-18: basic blocks [2, 2, 2, 2], 512 features.</summary>
    public static ResNet ResNet18(int inputChannels) => new(inputChannels, ResNetBlockType.Basic, [2, 2, 2, 2]);

    /// <summary>ResNet-50: bottleneck blocks [3, 4, 6, 3], 2048 features.</summary>
    public static ResNet ResNet50(int inputChannels) => new(inputChannels, ResNetBlockType.Bottleneck, [3, 4, 6, 3]);

    /// <inheritdoc />
    public override int FeatureDim { get; }

    /// <summary>(N, C, H, W) images → (N, <see cref="FeatureDim"/>) features.</summary>
    public override Tensor forward(Tensor input)
    {
        using var x0 = stem.call(input);
        using var x1 = stages.call(x0);
        return head.call(x1);
    }

    /// <summary>
    /// The 1×1 conv (stride s) + BN projection shortcut, or null when the identity fits. The strided
    /// convolution runs as <see cref="Subsample"/> then a stride-1 conv: the same function and parameters,
    /// without the oneDNN crash described there.
    /// </summary>
    internal static Sequential? Shortcut(int inChannels, int outChannels, int stride)
    {
        if (stride == 1 && inChannels == outChannels)
        {
            return null;
        }

        var projection = nn.Sequential();
        if (stride > 1)
        {
            projection.append("subsample", new Subsample(stride));
        }

        return projection
            .append("conv", nn.Conv2d(inChannels, outChannels, 1, bias: false))
            .append("bn", nn.BatchNorm2d(outChannels));
    }

    private static (nn.Module<Tensor, Tensor>, int) MakeBasic(int inChannels, int width, int stride)
    {
        var block = new BasicBlock(inChannels, width, stride);
        return (block, block.OutChannels);
    }

    private static (nn.Module<Tensor, Tensor>, int) MakeBottleneck(int inChannels, int width, int stride)
    {
        var block = new Bottleneck(inChannels, width, stride);
        return (block, block.OutChannels);
    }

    private void InitializeWeights()
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        foreach (var module in modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    break;
                case BatchNorm2d bn:
                    nn.init.ones_(bn.weight);
                    nn.init.zeros_(bn.bias);
                    break;
            }
        }
    }
}
