using LossLab.Models;
using TorchSharp;
using TorchSharp.Modules;

namespace LossLab.Tests.Models;

public sealed class SmallCnnInferenceTests
{
    [Theory]
    [InlineData(1, 28)]
    [InlineData(3, 32)]
    [InlineData(1, 29)]
    public void Should_MatchTheForwardPass_When_InferringInEvalMode(int channels, int size)
    {
        // Given a small-cnn whose batch norms hold non-trivial statistics and affine parameters, in eval mode
        torch.manual_seed(3);
        using var model = ModelRegistry.Create("small-cnn", channels, 10, 128);
        RandomiseBatchNorms(model);
        model.eval();
        using var scope = torch.NewDisposeScope();
        var images = torch.randn(5, channels, size, size);

        // When the forward pass and the inference path run without autograd
        using var noGrad = torch.no_grad();
        var expected = model.forward(images);
        var actual = model.Infer(images);

        // Then embeddings and logits agree to float32 rounding (the folded batch norm rounds differently)
        Assert.True(actual.Embedding.allclose(expected.Embedding, rtol: 1e-4, atol: 1e-5), $"max difference {(actual.Embedding - expected.Embedding).abs().max().item<float>()}");
        Assert.True(actual.Logits!.allclose(expected.Logits!, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Should_RunTheForwardPassExactly_When_TrainingOrRecordingGradients()
    {
        // Given a small-cnn with non-trivial batch-norm statistics
        torch.manual_seed(4);
        using var model = ModelRegistry.Create("small-cnn", 1, 0, 16);
        RandomiseBatchNorms(model);
        using var scope = torch.NewDisposeScope();
        var images = torch.randn(3, 1, 28, 28);

        // When it runs in eval mode with autograd on
        model.eval();
        var expected = model.forward(images).Embedding;
        var inferred = model.Infer(images).Embedding;

        // Then the inference path is the forward pass itself, bit for bit, and keeps the graph
        Assert.True(inferred.equal(expected).all().item<bool>());
        Assert.True(inferred.requires_grad);
    }

    private static void RandomiseBatchNorms(LabModel model)
    {
        using var noGrad = torch.no_grad();
        foreach (var (_, module) in model.named_modules())
        {
            if (module is BatchNorm2d norm)
            {
                norm.running_mean!.copy_(torch.randn_like(norm.running_mean!));
                norm.running_var!.copy_(torch.rand_like(norm.running_var!) + 0.5);
                norm.weight!.copy_(torch.rand_like(norm.weight!) + 0.5);
                norm.bias!.copy_(torch.randn_like(norm.bias!));
            }
        }
    }
}
