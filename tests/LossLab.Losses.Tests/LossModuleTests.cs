using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses.Tests;

public sealed class LossModuleTests
{
    [Theory]
    [InlineData("ce", 1.0)]
    [InlineData("focal", 1.0)]
    [InlineData("logit-adjusted", 1.0)]
    [InlineData("improved", 4.0)]
    [InlineData("triplet", null)]
    [InlineData("margin", null)]
    [InlineData("proxynca", null)]
    [InlineData("npair", null)]
    [InlineData("contrastive", null)]
    public void Should_ServeSoftmaxOfScaledLogitsOrNothing_When_AskedForTheServingScale(string name, double? expected)
    {
        // Given every registered loss at its defaults
        using var loss = LossRegistry.Create(LossRegistry.Find(name).Defaults, new LossContext(4, 8, [4, 3, 2, 1]));

        // When its serving scale is read
        var scale = loss.ServingScale;

        // Then logit losses serve softmax(z) (the improved loss softmax(beta·z)), metric losses no probabilities
        Assert.Equal(expected, scale);
        Assert.Equal(expected is not null, loss.Input == LossInput.Logits);
    }

    [Fact]
    public void Should_ServeItsOwnBeta_When_TheImprovedLossHasANonDefaultBeta()
    {
        // Given the improved loss with beta 2.5
        using var loss = LossRegistry.Create(new ImprovedLossOptions { Beta = 2.5, Gamma = 0 }, new LossContext(4, 8));

        // When its serving scale is read
        var scale = loss.ServingScale;

        // Then it is beta
        Assert.Equal(2.5, scale);
    }

    [Fact]
    public void Should_CoverEveryRegisteredLoss_When_TestingServingScales()
    {
        // Given the registry
        var names = LossRegistry.Names;

        // When compared with the losses the serving-scale theory lists
        string[] tested = ["ce", "focal", "logit-adjusted", "improved", "triplet", "margin", "proxynca", "npair", "contrastive"];

        // Then none is missing
        Assert.Equal(names.Order(), tested.Order());
    }

    [Fact]
    public void Should_TrainBetaAtItsOwnRate_When_MarginLossIsUsed()
    {
        // Given a margin loss over 8 classes
        using var scope = NewDisposeScope();
        torch.manual_seed(50);
        using var loss = new MarginLoss(8, seed: 3);
        var x = torch.randn(32, 16).requires_grad_();
        var labels = torch.arange(8).repeat(4);

        // When its loss is differentiated
        loss.forward(x, labels).backward();

        // Then beta is its one parameter, starts at 1.2, gets a gradient, and trains at an absolute 5e-4
        var group = Assert.Single(loss.ParameterGroups);
        var beta = Assert.Single(group.Parameters);
        Assert.Same(loss.Beta, beta);
        Assert.Equal(loss.parameters().Select(p => p.Handle), [beta.Handle]);
        Assert.Equal(new long[] { 8 }, beta.shape);
        Assert.Equal(1.2f, beta.min().item<float>(), 6);
        Assert.True(beta.grad is not null && beta.grad.abs().sum().item<float>() > 0);
        Assert.Equal(5e-4, group.ResolveLearningRate(1e-5));
        Assert.Equal(5e-4, group.ResolveLearningRate(0.1));
    }

    [Fact]
    public void Should_TrainProxiesFiftyTimesFaster_When_ProxyNcaLossIsUsed()
    {
        // Given a proxy-NCA loss over 8 classes of 16-wide embeddings
        using var scope = NewDisposeScope();
        torch.manual_seed(51);
        using var loss = new ProxyNcaLoss(8, 16);
        var x = torch.randn(32, 16).requires_grad_();
        var labels = torch.arange(8).repeat(4);

        // When its loss is differentiated
        loss.forward(x, labels).backward();

        // Then the proxies are its one parameter, get a gradient, and train at 50 × the model's rate
        var group = Assert.Single(loss.ParameterGroups);
        var proxies = Assert.Single(group.Parameters);
        Assert.Same(loss.Proxies, proxies);
        Assert.Equal(new long[] { 8, 16 }, proxies.shape);
        Assert.True(proxies.grad is not null && proxies.grad.abs().sum().item<float>() > 0);
        Assert.Null(group.LearningRate);
        Assert.Equal(50.0 * 1e-5, group.ResolveLearningRate(1e-5), 12);
    }

    [Fact]
    public void Should_ExposeMovedParameters_When_LossModuleIsConverted()
    {
        // Given loss modules with parameters and buffers
        using var scope = NewDisposeScope();
        using var margin = new MarginLoss(4);
        using var proxy = new ProxyNcaLoss(4, 8);
        using var improved = new ImprovedLoss(alpha: [1, 2, 3, 4]);

        // When they are converted as a trainer moves them to its device and dtype
        margin.to(ScalarType.Float64);
        proxy.to(ScalarType.Float64);
        improved.to(ScalarType.Float64);

        // Then the parameter groups hold the converted parameters, and the losses run in float64
        Assert.Equal(ScalarType.Float64, Assert.Single(Assert.Single(margin.ParameterGroups).Parameters).dtype);
        Assert.Equal(ScalarType.Float64, Assert.Single(Assert.Single(proxy.ParameterGroups).Parameters).dtype);
        Assert.Equal(margin.parameters().Single().Handle, margin.ParameterGroups[0].Parameters[0].Handle);
        Assert.Equal(proxy.parameters().Single().Handle, proxy.ParameterGroups[0].Parameters[0].Handle);
        var x = torch.randn(8, 8, dtype: ScalarType.Float64);
        var labels = torch.arange(4).repeat(2);
        Assert.Equal(ScalarType.Float64, margin.forward(x, labels).dtype);
        Assert.Equal(ScalarType.Float64, proxy.forward(x, labels).dtype);
        Assert.Equal(ScalarType.Float64, improved.forward(x[.., ..4], labels).dtype);
    }

    [Fact]
    public void Should_ReduceLoss_When_ProxiesAndEmbeddingsTrain()
    {
        // Given a learnable batch of embeddings and a proxy-NCA loss
        using var scope = NewDisposeScope();
        torch.manual_seed(52);
        using var loss = new ProxyNcaLoss(4, 8);
        var x = new TorchSharp.Modules.Parameter(torch.randn(16, 8));
        var labels = torch.arange(4).repeat(4);
        using var optimizer = torch.optim.SGD(loss.parameters().Append(x), 0.5);
        var before = loss.forward(x, labels).item<float>();

        // When 30 SGD steps run
        for (var step = 0; step < 30; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            loss.forward(x, labels).backward();
            optimizer.step();
        }

        // Then the loss fell
        var after = loss.forward(x, labels).item<float>();
        Assert.True(after < before - 1, $"{before} -> {after}");
    }

    [Fact]
    public void Should_RepeatValues_When_SeededModulesAreRebuilt()
    {
        // Given two pairs of identically seeded sampling losses
        using var scope = NewDisposeScope();
        torch.manual_seed(53);
        var x = torch.randn(32, 16);
        var labels = torch.arange(8).repeat(4);
        float[] Run()
        {
            using var triplet = new TripletLoss(seed: 9);
            using var margin = new MarginLoss(8, seed: 9);
            using var npair = new NPairLoss(seed: 9);
            return Enumerable.Range(0, 3).SelectMany(_ => new[]
            {
                triplet.forward(x, labels).item<float>(), margin.forward(x, labels).item<float>(), npair.forward(x, labels).item<float>(),
            }).ToArray();
        }

        // When each computes three batches
        // Then both runs agree exactly
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Should_ReturnPerSampleValues_When_ReductionIsNone()
    {
        // Given modules without reduction
        using var scope = NewDisposeScope();
        torch.manual_seed(54);
        var logits = torch.randn(12, 5);
        var x = torch.randn(12, 8);
        var labels = torch.arange(3).repeat(4);

        // When they compute the loss
        using var improved = new ImprovedLoss(reduction: Reduction.None);
        using var proxy = new ProxyNcaLoss(3, 8, reduction: Reduction.None);
        using var contrastive = new ContrastiveLoss(reduction: Reduction.None);
        using var triplet = new TripletLoss(mining: TripletMining.BatchHard, reduction: Reduction.None);

        // Then the shapes are per sample, per pair or per triplet
        Assert.Equal(new long[] { 12 }, improved.forward(logits, labels).shape);
        Assert.Equal(new long[] { 12 }, proxy.forward(x, labels).shape);
        Assert.Equal(new long[] { 66 }, contrastive.forward(x, labels).shape);
        Assert.Equal(new long[] { 12 }, triplet.forward(x, labels).shape);
    }
}
