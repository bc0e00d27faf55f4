using LossLab.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LossLab.Tests.Models;

public sealed class ModelFlopsTests
{
    [Theory]
    [InlineData("small-cnn", 3, 32)]
    [InlineData("small-cnn", 1, 28)]
    [InlineData("resnet18", 3, 32)]
    [InlineData("resnet18", 1, 28)]
    [InlineData("resnet50", 3, 32)]
    [InlineData("resnet50", 1, 28)]
    [InlineData("googlenet", 3, 32)]
    [InlineData("googlenet", 1, 28)]
    public void Should_MatchPyTorchHookCount_When_EstimatingForwardFlops(string name, int channels, int size)
    {
        // Given a model and the FLOPs PyTorch's forward hooks counted for it
        var expected = ModelReference.Entry(name, channels, size).GetProperty("flops").GetInt64();
        using var model = ModelRegistry.Create(name, channels, ModelReference.NumClasses, ModelReference.EmbeddingDim);

        // When the FLOPs of one image are estimated
        var flops = ModelFlops.Estimate(model, channels, size, size);

        // Then they agree exactly and the model is back in training mode
        Assert.Equal(expected, flops);
        Assert.True(model.training);
    }

    [Fact]
    public void Should_Throw_When_ALayerIsCalledWithoutHooks()
    {
        // Given a backbone that runs its convolution through forward(), which bypasses hooks
        using var model = new LabModel("bypass", new BypassBackbone(), 8, 2);

        // When its FLOPs are estimated
        var error = Assert.Throws<InvalidOperationException>(() => ModelFlops.Estimate(model, 1, 8, 8));

        // Then the estimate refuses to undercount
        Assert.Contains("not reached", error.Message, StringComparison.Ordinal);
    }

    private sealed class BypassBackbone : Backbone
    {
        private readonly Conv2d conv = nn.Conv2d(1, 4, 3);

        public BypassBackbone()
            : base(nameof(BypassBackbone)) => RegisterComponents();

        public override int FeatureDim => 4;

        public override Tensor forward(Tensor input) => conv.forward(input).mean([2, 3]);
    }
}
