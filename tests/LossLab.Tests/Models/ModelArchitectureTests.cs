using LossLab.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LossLab.Tests.Models;

public sealed class ModelArchitectureTests
{
    [Theory]
    [InlineData("small-cnn", 3)]
    [InlineData("small-cnn", 1)]
    [InlineData("resnet18", 3)]
    [InlineData("resnet18", 1)]
    [InlineData("resnet50", 3)]
    [InlineData("resnet50", 1)]
    [InlineData("googlenet", 3)]
    [InlineData("googlenet", 1)]
    public void Should_MatchPyTorchParameterCount_When_Built(string name, int channels)
    {
        // Given the PyTorch reference count for this architecture (embedding 128, 10 classes)
        var expected = ModelReference.Entry(name, channels, channels == 3 ? 32 : 28).GetProperty("parameters").GetInt64();

        // When the model is built
        using var model = ModelRegistry.Create(name, channels, ModelReference.NumClasses, ModelReference.EmbeddingDim);

        // Then every submodule's parameters are registered
        Assert.Equal(expected, model.ParameterCount());
    }

    [Theory]
    [InlineData("small-cnn", 3, 32)]
    [InlineData("small-cnn", 1, 28)]
    [InlineData("resnet18", 3, 32)]
    [InlineData("resnet18", 1, 28)]
    [InlineData("resnet50", 3, 32)]
    [InlineData("resnet50", 1, 28)]
    [InlineData("googlenet", 3, 32)]
    [InlineData("googlenet", 1, 28)]
    public void Should_ReturnEmbeddingAndLogits_When_ForwardingABatch(string name, int channels, int size)
    {
        // Given a model and a batch of 4 images
        torch.manual_seed(7);
        var reference = ModelReference.Entry(name, channels, size);
        using var model = ModelRegistry.Create(name, channels, ModelReference.NumClasses, ModelReference.EmbeddingDim);
        using var scope = torch.NewDisposeScope();
        var images = torch.randn(4, channels, size, size);

        // When it runs in training mode (no graph is needed for shapes)
        using var noGrad = torch.no_grad();
        var output = model.forward(images);

        // Then the shapes are those of the PyTorch reference (batch 4) and the values are finite
        Assert.Equal(Shape(reference, "embedding_shape"), output.Embedding.shape);
        Assert.NotNull(output.Logits);
        Assert.Equal(Shape(reference, "logits_shape"), output.Logits.shape);
        Assert.True(output.Embedding.isfinite().all().item<bool>());
        Assert.True(output.Logits.isfinite().all().item<bool>());
    }

    [Theory]
    [InlineData("small-cnn")]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    [InlineData("googlenet")]
    public void Should_UpdateEveryParameterWithoutNaN_When_OneAdamStepIsTaken(string name)
    {
        // Given a model, a batch of two and Adam
        torch.manual_seed(11);
        using var model = ModelRegistry.Create(name, 3, 10);
        using var scope = torch.NewDisposeScope();
        var images = torch.randn(2, 3, 32, 32);
        var labels = torch.tensor(new long[] { 3, 7 });
        var before = model.parameters().Select(p => p.detach().clone()).ToArray();
        using var optimizer = torch.optim.Adam(model.parameters(), 1e-3);

        // When one cross-entropy step is taken on the logits
        optimizer.zero_grad();
        var loss = nn.functional.cross_entropy(model.forward(images).Logits!, labels);
        loss.backward();
        optimizer.step();

        // Then the loss is finite, every parameter received a gradient and moved, and none is NaN
        Assert.True(float.IsFinite(loss.item<float>()), $"loss {loss.item<float>()}");
        var after = model.named_parameters().ToArray();
        Assert.Equal(before.Length, after.Length);
        for (var i = 0; i < after.Length; i++)
        {
            var (paramName, parameter) = after[i];
            Assert.NotNull(parameter.grad);
            Assert.True(parameter.isfinite().all().item<bool>(), $"{paramName} has non-finite values");
            Assert.True((parameter - before[i]).abs().max().item<float>() > 0, $"{paramName} did not change");
        }
    }

    [Theory]
    [InlineData("small-cnn")]
    [InlineData("resnet18")]
    [InlineData("resnet50")]
    [InlineData("googlenet")]
    public void Should_UseRunningStatistics_When_InEvalMode(string name)
    {
        // Given a model and a 16×16 batch whose first image also goes through alone
        torch.manual_seed(3);
        using var model = ModelRegistry.Create(name, 3, 10);
        using var scope = torch.NewDisposeScope();
        var batch = torch.randn(3, 3, 16, 16) * 2 + 1;
        var first = batch[..1];
        var runningMeans = model.modules().OfType<BatchNorm2d>().Select(bn => bn.running_mean!).ToArray();
        var initialMeans = runningMeans.Select(m => m.clone()).ToArray();

        // When it runs in eval mode, then in train mode
        model.eval();
        using (torch.no_grad())
        {
            var evalBatch = model.forward(batch).Embedding;
            var evalFirst = model.forward(first).Embedding;

            // Then eval mode treats images independently and leaves the statistics alone
            // (untrained deep nets in eval mode reach large activations: compare relative to their scale)
            var scale = evalFirst.abs().max().item<float>();
            var difference = (evalBatch[..1] - evalFirst).abs().max().item<float>();
            Assert.True(difference <= 1e-4 * scale, $"eval output depends on the batch: {difference} at scale {scale}");
            Assert.All(runningMeans.Zip(initialMeans), pair => Assert.True(pair.First.eq(pair.Second).all().item<bool>()));
        }

        model.train();
        using (torch.no_grad())
        {
            var trainBatch = model.forward(batch).Embedding;
            var trainOther = model.forward(torch.cat([first, torch.randn(2, 3, 16, 16)], 0)).Embedding;

            // And train mode normalises with batch statistics and updates the running ones
            Assert.False(trainBatch[..1].allclose(trainOther[..1], rtol: 1e-3, atol: 1e-4), "train output ignores the batch");
            Assert.All(runningMeans.Zip(initialMeans), pair => Assert.False(pair.First.eq(pair.Second).all().item<bool>()));
        }
    }

    [Fact]
    public void Should_EqualAStridedOneByOneConvolution_When_ProjectingAResNetShortcut()
    {
        // Given a stride-2 projection shortcut and odd-sized input
        torch.manual_seed(9);
        using var shortcut = ResNet.Shortcut(8, 16, 2)!;
        shortcut.eval();
        using var scope = torch.NewDisposeScope();
        var input = torch.randn(2, 8, 7, 7);
        var conv = shortcut.modules().OfType<Conv2d>().Single();
        var bn = shortcut.modules().OfType<BatchNorm2d>().Single();

        // When it runs, and a direct strided 1×1 convolution + BN runs on the same weights
        var output = shortcut.forward(input);
        var direct = nn.functional.batch_norm(
            nn.functional.conv2d(input, conv.weight!, strides: [2, 2]), bn.running_mean!, bn.running_var!, bn.weight, bn.bias);

        // Then both agree on a 4×4 output
        Assert.Equal(new long[] { 2, 16, 4, 4 }, output.shape);
        Assert.True(output.allclose(direct, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Should_InitialiseWithKaimingFanOut_When_ResNetIsBuilt()
    {
        // Given a freshly built ResNet-18
        torch.manual_seed(5);
        using var backbone = ResNet.ResNet18(3);

        // When its convolutions and batch norms are inspected
        var convs = backbone.modules().OfType<Conv2d>().ToArray();
        var norms = backbone.modules().OfType<BatchNorm2d>().ToArray();

        // Then conv weights have std sqrt(2 / fan_out) and batch norms start at weight 1, bias 0
        Assert.Equal(20, convs.Length); // 17 in the blocks and stem, 3 projection shortcuts
        Assert.Equal(convs.Length, norms.Length);
        foreach (var conv in convs.Where(c => c.weight!.numel() > 100_000))
        {
            var shape = conv.weight!.shape;
            var expected = Math.Sqrt(2.0 / (shape[0] * shape[2] * shape[3]));
            var std = conv.weight.std().item<float>();
            Assert.InRange(std / expected, 0.97, 1.03);
        }

        Assert.All(norms, bn =>
        {
            Assert.True(bn.weight!.eq(1).all().item<bool>());
            Assert.True(bn.bias!.eq(0).all().item<bool>());
        });
        Assert.Equal(512, backbone.FeatureDim);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(20)]
    public void Should_ReturnFeatureDimColumns_When_InputSizeIsAtLeast16(int size)
    {
        // Given the three large backbones
        torch.manual_seed(2);
        Backbone[] backbones = [ResNet.ResNet18(1), ResNet.ResNet50(1), new GoogLeNet(1)];
        using var scope = torch.NewDisposeScope();
        var images = torch.randn(2, 1, size, size);

        // When each runs in eval mode on size×size images
        foreach (var backbone in backbones)
        {
            using (backbone)
            using (torch.no_grad())
            {
                backbone.eval();
                var features = backbone.forward(images);

                // Then the features are (2, FeatureDim)
                Assert.Equal(new long[] { 2, backbone.FeatureDim }, features.shape);
            }
        }

        Assert.Equal([512, 2048, 1024], backbones.Select(b => b.FeatureDim));
    }

    [Fact]
    public void Should_ListSmallCnnFirstAndDescribeEveryModel_When_RegistryIsQueried()
    {
        // Given the registry
        // When its names and descriptions are read
        var names = ModelRegistry.Names;
        var descriptions = ModelRegistry.Describe();

        // Then small-cnn comes first, every name is described, and unknown names are rejected
        Assert.Equal(["small-cnn", "resnet18", "resnet50", "googlenet"], names);
        Assert.Equal(names, descriptions.Select(d => d.Name));
        Assert.All(descriptions, d => Assert.False(string.IsNullOrWhiteSpace(d.Description)));
        var error = Assert.Throws<ArgumentException>(() => ModelRegistry.Create("vgg16", 3, 10));
        Assert.Contains("googlenet", error.Message, StringComparison.Ordinal);
    }

    private static long[] Shape(System.Text.Json.JsonElement reference, string property)
    {
        var shape = reference.GetProperty(property).EnumerateArray().Select(e => e.GetInt64()).ToArray();
        shape[0] = 4;
        return shape;
    }
}
