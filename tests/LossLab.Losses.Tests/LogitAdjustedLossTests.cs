using TorchSharp;
using static LossLab.Losses.Tests.LossReference;
using static TorchSharp.torch;

namespace LossLab.Losses.Tests;

public sealed class LogitAdjustedLossTests
{
    public static TheoryData<int, ScalarType, double> Cases()
    {
        var data = new TheoryData<int, ScalarType, double>();
        for (var i = 0; i < Softmax.GetProperty("logit_adjusted").GetArrayLength(); i++)
        {
            data.Add(i, ScalarType.Float64, 1e-9);
            data.Add(i, ScalarType.Float32, 1e-5);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Should_MatchPyTorchReference_When_BuiltFromTheTrainingCounts(int index, ScalarType dtype, double tol)
    {
        // Given the reference logits, a tau and training images per class (one case with a class that has none)
        using var scope = NewDisposeScope();
        var c = Softmax.GetProperty("logit_adjusted")[index];
        var counts = Indices(c.GetProperty("counts"));
        var tau = c.GetProperty("tau").GetDouble();
        var logits = MatrixTensor(Softmax.GetProperty("logits"), dtype, requiresGrad: true);
        var labels = LongTensor(Softmax.GetProperty("labels"));
        var plain = logits.detach().clone();
        var context = new LossContext(counts.Length, 8, counts);
        var options = (LogitAdjustedLossOptions)LossRegistry.Find("logit-adjusted").With(new LogitAdjustedLossOptions(), "tau", c.GetProperty("tau").ToString());

        // When the registered loss computes each reduction and the mean is differentiated
        using var mean = LossRegistry.Create(options, context);
        using var sum = new LogitAdjustedLoss(context.ClassPrior("test"), tau, Reduction.Sum);
        using var none = new LogitAdjustedLoss(context.ClassPrior("test"), tau, Reduction.None);
        mean.to(dtype);
        var value = mean.forward(logits, labels);
        var grad = torch.autograd.grad([value], [logits])[0];

        // Then values and gradient match PyTorch, and the logits themselves are left as they were
        var what = $"tau={tau} counts={string.Join(',', counts)} {dtype}";
        AssertClose(c.GetProperty("mean"), value, tol, what + " mean");
        AssertClose(c.GetProperty("sum"), sum.forward(logits, labels), tol, what + " sum");
        AssertClose(c.GetProperty("none"), none.forward(logits, labels), tol, what + " none");
        AssertClose(c.GetProperty("grad_mean"), grad, tol, what + " grad");
        Assert.True(logits.detach().allclose(plain, rtol: 0, atol: 0), "the logits changed");
        Assert.Equal(dtype, value.dtype);
    }

    [Fact]
    public void Should_EqualCrossEntropy_When_TauIsZero()
    {
        // Given logits and a skewed prior that includes a class without training images
        using var scope = NewDisposeScope();
        torch.manual_seed(42);
        var logits = torch.randn(16, 4, dtype: ScalarType.Float64);
        var labels = torch.tensor(new long[] { 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 0, 0, 0 });
        using var loss = new LogitAdjustedLoss([0.7, 0.2, 0.1, 0.0], tau: 0);

        // When the loss with tau = 0 is computed
        var value = loss.forward(logits, labels);

        // Then it is plain cross-entropy
        AssertClose(LossFunctions.CrossEntropy(logits, labels).item<double>(), value, 1e-12, "tau = 0");
    }

    [Fact]
    public void Should_NeedTheClassCounts_When_BuiltFromTheRegistry()
    {
        // Given / When / Then the registered loss without the training images per class fails naming itself
        var error = Assert.Throws<InvalidOperationException>(() => LossRegistry.Create(new LogitAdjustedLossOptions(), new LossContext(3, 8)));
        Assert.Contains("logit-adjusted", error.Message, StringComparison.Ordinal);
        Assert.Equal("Tau", Assert.Throws<ArgumentOutOfRangeException>(() => new LogitAdjustedLossOptions { Tau = -1 }).ParamName);
        Assert.Equal("1", LossRegistry.Find("logit-adjusted").Option("tau")!.Default);
    }

    [Fact]
    public void Should_MoveItsPriorWithTheModule_When_Converted()
    {
        // Given the loss of a 3-class prior (held in float64), converted to float32 as a trainer converts a module
        using var scope = NewDisposeScope();
        using var loss = new LogitAdjustedLoss([0.5, 0.3, 0.2]);
        loss.to(ScalarType.Float32);

        // When its log prior is read
        var adjustment = loss.get_buffer("adjustment")!;

        // Then it moved along, as the state a checkpoint saves
        Assert.Equal(ScalarType.Float32, adjustment.dtype);
        AssertClose([Math.Log(0.5), Math.Log(0.3), Math.Log(0.2)], adjustment, 1e-7, "log prior");
        Assert.Equal(["adjustment"], loss.state_dict().Keys);
        Assert.Equal(LossInput.Logits, loss.Input);
        Assert.False(loss.NeedsPkBatches);
    }
}
