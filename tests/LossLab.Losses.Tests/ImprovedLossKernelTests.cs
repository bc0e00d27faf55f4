using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses.Tests;

/// <summary>
/// The CPU kernel of the improved loss against the libtorch-op path that computes the same quantities (itself checked
/// against PyTorch in <see cref="ImprovedLossTests"/>, which now runs through the kernel on the CPU).
/// </summary>
public sealed class ImprovedLossKernelTests
{
    public static TheoryData<double, double, bool> Settings() => new()
    {
        { 1, 0, false },
        { 1, 2, false },
        { 4, 5, false },
        { 4, 5, true },
        { 2, 0.5, true },
        { 0.7, 2.5, false },
        { 16, 3, true },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void Should_MatchTheOpPath_When_Float64(double beta, double gamma, bool withAlpha)
    {
        // Given float64 logits of mixed scale (confident, hopeless and uncertain rows), with a class count that is not
        // a multiple of the vector width
        using var scope = NewDisposeScope();
        var (logits, labels, alpha) = Inputs(ScalarType.Float64, withAlpha);
        foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
        {
            // When both paths compute the loss and its gradient
            var (kernelLoss, kernelGrad) = ImprovedLossKernel.Compute(logits, labels, beta, gamma, alpha, reduction, withGradient: true);
            var (opLoss, opGrad) = ImprovedLossFunction.ComputeWithOps(logits, labels, beta, gamma, alpha, reduction, withGradient: true);

            // Then they agree to float64 rounding
            Assert.True(kernelLoss.allclose(opLoss, rtol: 1e-10, atol: 1e-13), $"loss beta={beta} gamma={gamma} {reduction}: {kernelLoss} vs {opLoss}");
            Assert.True(kernelGrad!.allclose(opGrad!, rtol: 1e-9, atol: 1e-15), $"gradient beta={beta} gamma={gamma} {reduction}: max diff {(kernelGrad - opGrad!).abs().max().ToDouble()}");
        }
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void Should_AgreeWithFloat64_When_Float32(double beta, double gamma, bool withAlpha)
    {
        // Given the same logits in float32 and float64
        using var scope = NewDisposeScope();
        var (logits, labels, alpha) = Inputs(ScalarType.Float64, withAlpha);
        var (loss64, grad64) = ImprovedLossKernel.Compute(logits, labels, beta, gamma, alpha, Reduction.Sum, withGradient: true);

        // When the kernel runs in float32 (its vector exp)
        var (loss32, grad32) = ImprovedLossKernel.Compute(logits.to(ScalarType.Float32), labels, beta, gamma, alpha?.to(ScalarType.Float32), Reduction.Sum, withGradient: true);

        // Then the results agree to float32 precision and are finite
        Assert.True(grad32!.isfinite().all().ToBoolean());
        Assert.Equal(loss64.ToDouble(), loss32.ToDouble(), Math.Max(1e-5 * Math.Abs(loss64.ToDouble()), 1e-5));
        var scale = grad64!.abs().max().ToDouble();
        Assert.True((grad32.to(ScalarType.Float64) - grad64).abs().max().ToDouble() <= 1e-5 * scale, $"beta={beta} gamma={gamma}");
    }

    [Fact]
    public void Should_GiveTheSameLossWithoutGradient_When_OnlyTheValueIsWanted()
    {
        // Given float32 logits
        using var scope = NewDisposeScope();
        var (logits, labels, _) = Inputs(ScalarType.Float32, withAlpha: false);

        // When the value is computed with and without the gradient
        var (withGradient, _) = ImprovedLossKernel.Compute(logits, labels, 4, 5, null, Reduction.Mean, withGradient: true);
        var (valueOnly, gradient) = ImprovedLossKernel.Compute(logits, labels, 4, 5, null, Reduction.Mean, withGradient: false);

        // Then the values are identical and no gradient is made
        Assert.Null(gradient);
        Assert.Equal(withGradient.ToSingle(), valueOnly.ToSingle());
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(7L)]
    public void Should_Throw_When_ALabelIsOutOfRange(long bad)
    {
        // Given 7 classes and one label outside [0, 7)
        using var scope = NewDisposeScope();
        var logits = torch.randn(4, 7).requires_grad_();
        var labels = torch.tensor(new[] { 0L, 6L, bad, 2L });

        // When the loss is computed, Then it names the labels rather than reading outside the row
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => LossFunctions.Improved(logits, labels, 4, 5));
        Assert.Equal("labels", error.ParamName);
    }

    [Fact]
    public void Should_UseTheOpPath_When_LogitsAreNotContiguous()
    {
        // Given transposed (non-contiguous) logits, which the kernel does not take
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        var storage = torch.randn(9, 6, dtype: ScalarType.Float64);
        var logits = storage.t();
        var labels = torch.randint(0, 9, [6]);
        Assert.False(ImprovedLossKernel.Supports(logits, labels, null));

        // When the loss is computed through the public function
        var loss = LossFunctions.Improved(logits, labels, 2, 3);

        // Then it equals the kernel's value on a contiguous copy
        var (expected, _) = ImprovedLossKernel.Compute(logits.contiguous(), labels, 2, 3, null, Reduction.Mean, withGradient: false);
        Assert.Equal(expected.ToDouble(), loss.ToDouble(), 1e-12);
    }

    [Fact]
    public void Should_MatchTheDoubleExp_When_TheVectorExpTakesNonPositiveInputs()
    {
        // Given inputs across the whole non-positive range of float32 exp, including 0 and the flush threshold
        var worst = 0.0;
        for (var i = 0; i <= 200_000; i++)
        {
            var x = (float)(-90.0 * i / 200_000);

            // When the vector exp evaluates them
            var e = VectorExp.NonPositive(Vector256.Create(x)).GetElement(0);

            // Then they are within about one float32 ulp of the double exp, or 0 below e^−87.3
            var exact = Math.Exp(x);
            if (x < -87.3f)
            {
                Assert.Equal(0f, e);
            }
            else
            {
                worst = Math.Max(worst, Math.Abs(e - exact) / exact);
            }
        }

        Assert.Equal(1f, VectorExp.NonPositive(Vector256<float>.Zero).GetElement(0));
        Assert.True(worst < 2.5e-7, $"largest relative error {worst:E3}");
    }

    /// <summary>(24, 13) logits: rows scaled from 0.1 to 40, so that some are confident (p_t → 1) and some hopeless (p_t → 0).</summary>
    private static (Tensor Logits, Tensor Labels, Tensor? Alpha) Inputs(ScalarType dtype, bool withAlpha)
    {
        torch.manual_seed(21);
        var scales = torch.logspace(-1, Math.Log10(40), 24, dtype: ScalarType.Float64).unsqueeze(1);
        var logits = (torch.randn(24, 13, dtype: ScalarType.Float64) * scales).to(dtype);
        var labels = torch.randint(0, 13, [24]);
        var alpha = withAlpha ? (torch.rand(13, dtype: ScalarType.Float64) + 0.5).to(dtype) : null;
        return (logits, labels, alpha);
    }
}
