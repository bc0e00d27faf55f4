using TorchSharp;
using static LossLab.Losses.Tests.LossReference;
using static TorchSharp.torch;

namespace LossLab.Losses.Tests;

public sealed class SoftmaxLossTests
{
    [Theory]
    [InlineData(0, ScalarType.Float64, 1e-9)]
    [InlineData(1, ScalarType.Float64, 1e-9)]
    [InlineData(0, ScalarType.Float32, 1e-5)]
    [InlineData(1, ScalarType.Float32, 1e-5)]
    public void Should_MatchPyTorchReference_When_CrossEntropy(int index, ScalarType dtype, double tol)
    {
        // Given the reference logits and a label smoothing
        using var scope = NewDisposeScope();
        var c = Softmax.GetProperty("ce")[index];
        var smoothing = c.GetProperty("label_smoothing").GetDouble();
        var logits = MatrixTensor(Softmax.GetProperty("logits"), dtype, requiresGrad: true);
        var labels = LongTensor(Softmax.GetProperty("labels"));

        // When cross-entropy is computed through the module and the function
        using var module = new CrossEntropyLoss(smoothing);
        var mean = module.forward(logits, labels);
        var none = LossFunctions.CrossEntropy(logits, labels, smoothing, Reduction.None);
        var sum = LossFunctions.CrossEntropy(logits, labels, smoothing, Reduction.Sum);
        var grad = torch.autograd.grad([mean], [logits])[0];

        // Then values and gradient match PyTorch
        AssertClose(c.GetProperty("mean"), mean, tol, "mean");
        AssertClose(c.GetProperty("none"), none, tol, "none");
        AssertClose(c.GetProperty("sum"), sum, tol, "sum");
        AssertClose(c.GetProperty("grad_mean"), grad, tol, "grad");
    }

    [Theory]
    [InlineData(0, ScalarType.Float64, 1e-9)]
    [InlineData(1, ScalarType.Float64, 1e-9)]
    [InlineData(2, ScalarType.Float64, 1e-9)]
    [InlineData(0, ScalarType.Float32, 1e-5)]
    [InlineData(1, ScalarType.Float32, 1e-5)]
    [InlineData(2, ScalarType.Float32, 1e-5)]
    public void Should_MatchPyTorchReference_When_Focal(int index, ScalarType dtype, double tol)
    {
        // Given the reference logits and a (gamma, alpha) case
        using var scope = NewDisposeScope();
        var c = Softmax.GetProperty("focal")[index];
        var gamma = c.GetProperty("gamma").GetDouble();
        var alpha = c.GetProperty("alpha").GetBoolean() ? Vector(Softmax.GetProperty("alpha")) : null;
        var logits = MatrixTensor(Softmax.GetProperty("logits"), dtype, requiresGrad: true);
        var labels = LongTensor(Softmax.GetProperty("labels"));

        // When the focal loss module computes the mean and the function the per-sample values
        using var module = new FocalLoss(gamma, alpha);
        var mean = module.forward(logits, labels);
        var none = LossFunctions.Focal(logits, labels, gamma, alpha is null ? null : torch.tensor(alpha), Reduction.None);
        var grad = torch.autograd.grad([mean], [logits])[0];

        // Then values and gradient match PyTorch
        AssertClose(c.GetProperty("mean"), mean, tol, "mean");
        AssertClose(c.GetProperty("none"), none, tol, "none");
        AssertClose(c.GetProperty("grad_mean"), grad, tol, "grad");
    }

    [Fact]
    public void Should_MatchFunction_When_ImprovedModuleHasAlpha()
    {
        // Given an improved-loss module with class weights, moved to float64 like a model
        using var scope = NewDisposeScope();
        var logits = MatrixTensor(Softmax.GetProperty("logits"), ScalarType.Float64);
        var labels = LongTensor(Softmax.GetProperty("labels"));
        var alpha = Vector(Softmax.GetProperty("alpha"));
        using var module = new ImprovedLoss(4, 5, alpha);
        module.to(ScalarType.Float64);

        // When it computes the loss
        var loss = module.forward(logits, labels);

        // Then it equals the reference case beta = 4, gamma = 5 with alpha
        var reference = Softmax.GetProperty("improved").EnumerateArray()
            .Single(c => c.GetProperty("beta").GetDouble() == 4 && c.GetProperty("gamma").GetDouble() == 5 && c.GetProperty("alpha").GetBoolean());
        AssertClose(reference.GetProperty("mean"), loss, 1e-9, "mean");
        Assert.Equal(LossInput.Logits, module.Input);
        Assert.False(module.NeedsPkBatches);
        Assert.Empty(module.ParameterGroups);
    }

    [Fact]
    public void Should_Throw_When_ModuleOptionsAreOutOfRange()
    {
        // Given / When / Then invalid constructor arguments are rejected, naming the parameter
        Assert.Equal("beta", Assert.Throws<ArgumentOutOfRangeException>(() => new ImprovedLoss(beta: -1)).ParamName);
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => new ImprovedLoss(gamma: -1)).ParamName);
        Assert.Equal("alpha", Assert.Throws<ArgumentOutOfRangeException>(() => new ImprovedLoss(alpha: [1, -1])).ParamName);
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => new FocalLoss(gamma: double.NaN)).ParamName);
        Assert.Equal("labelSmoothing", Assert.Throws<ArgumentOutOfRangeException>(() => new CrossEntropyLoss(1.0)).ParamName);
    }
}
