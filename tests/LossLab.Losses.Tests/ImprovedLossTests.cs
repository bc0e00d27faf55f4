using TorchSharp;
using static LossLab.Losses.Tests.LossReference;
using static TorchSharp.torch;

namespace LossLab.Losses.Tests;

public sealed class ImprovedLossTests
{
    public static TheoryData<int> ImprovedCases()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Softmax.GetProperty("improved").GetArrayLength(); i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ImprovedCases))]
    public void Should_MatchPyTorchReference_When_Float64(int index) => AssertMatchesReference(index, ScalarType.Float64, 1e-9);

    [Theory]
    [MemberData(nameof(ImprovedCases))]
    public void Should_MatchPyTorchReference_When_Float32(int index) => AssertMatchesReference(index, ScalarType.Float32, 1e-5);

    [Fact]
    public void Should_MatchAutogradOfPlainFormula_When_GradientIsAnalytic()
    {
        // Given random float64 logits and several (beta, gamma, alpha)
        using var scope = NewDisposeScope();
        torch.manual_seed(11);
        var logits = torch.randn(12, 7, dtype: ScalarType.Float64) * 3;
        var labels = torch.randint(0, 7, [12]);
        var alpha = torch.rand(7, dtype: ScalarType.Float64) + 0.5;
        foreach (var (beta, gamma, a) in new (double, double, Tensor?)[] { (1, 0, null), (2, 0, alpha), (4, 5, null), (2, 0.5, alpha), (0.7, 1.5, alpha), (8, 3, null) })
        {
            foreach (var reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
            {
                // When the fused loss and the plain formula are differentiated (None with a non-uniform upstream gradient)
                var upstream = reduction == Reduction.None ? torch.rand(12, dtype: ScalarType.Float64) : torch.ones([], dtype: ScalarType.Float64);
                var fusedGrad = Gradient(z => LossFunctions.Improved(z, labels, beta, gamma, a, reduction), logits, upstream);
                var plainGrad = Gradient(z => Reduce(PlainImproved(z, labels, beta, gamma, a), reduction), logits, upstream);

                // Then the gradients agree to float64 precision
                AssertClose(plainGrad.data<double>().ToArray(), fusedGrad, 1e-10, $"beta={beta} gamma={gamma} {reduction}");
            }
        }
    }

    [Fact]
    public void Should_MatchCentralFiniteDifferences_When_Float64()
    {
        // Given moderate float64 logits
        using var scope = NewDisposeScope();
        torch.manual_seed(12);
        var logits = torch.randn(5, 4, dtype: ScalarType.Float64);
        var labels = torch.tensor(new long[] { 0, 3, 1, 1, 2 });
        var alpha = torch.tensor(new[] { 0.5, 1.0, 2.0, 1.5 });
        foreach (var (beta, gamma) in new[] { (1.0, 2.0), (4.0, 5.0), (2.0, 0.5), (3.0, 0.0) })
        {
            // When the analytic gradient is compared with (f(z + h e) − f(z − h e)) / 2h
            var analytic = Gradient(z => LossFunctions.Improved(z, labels, beta, gamma, alpha), logits, torch.ones([], dtype: ScalarType.Float64));
            var numeric = new double[logits.numel()];
            const double h = 1e-6;
            for (var k = 0; k < numeric.Length; k++)
            {
                var step = torch.zeros_like(logits).flatten().index_put_(h, k).view_as(logits);
                var up = LossFunctions.Improved(logits + step, labels, beta, gamma, alpha).item<double>();
                var down = LossFunctions.Improved(logits - step, labels, beta, gamma, alpha).item<double>();
                numeric[k] = (up - down) / (2 * h);
            }

            // Then they agree to the finite-difference accuracy
            AssertClose(numeric, analytic, 1e-7, $"beta={beta} gamma={gamma}");
        }
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Should_EqualCrossEntropy_When_BetaIsOneAndGammaIsZero(ScalarType dtype)
    {
        // Given random logits
        using var scope = NewDisposeScope();
        torch.manual_seed(13);
        var logits = (torch.randn(64, 10) * 5).to(dtype).requires_grad_();
        var labels = torch.randint(0, 10, [64]);

        // When the improved loss with beta = 1, gamma = 0 and cross-entropy are computed with their gradients
        var improved = LossFunctions.Improved(logits, labels, 1.0, 0.0);
        var improvedGrad = torch.autograd.grad([improved], [logits])[0];
        var ce = nn.functional.cross_entropy(logits, labels);
        var ceGrad = torch.autograd.grad([ce], [logits])[0];

        // Then both agree to 1e-6
        AssertClose(ce.to(ScalarType.Float64).item<double>(), improved, 1e-6, "loss");
        AssertClose(ceGrad.to(ScalarType.Float64).data<double>().ToArray(), improvedGrad, 1e-6, "gradient");
    }

    [Fact]
    public void Should_BeHundredTimesBelowCrossEntropy_When_PtIsPointNineAndGammaIsTwo()
    {
        // Given two-class logits with p_t = 0.9 exactly (log-probabilities as logits)
        using var scope = NewDisposeScope();
        var logits = torch.tensor(new[,] { { Math.Log(0.9), Math.Log(0.1) } });
        var labels = torch.tensor(new long[] { 0 });

        // When the improved loss (beta = 1, gamma = 2) and cross-entropy are computed
        var improved = LossFunctions.Improved(logits, labels, 1.0, 2.0).item<double>();
        var ce = LossFunctions.CrossEntropy(logits, labels).item<double>();

        // Then the ratio is (1 − 0.9)² = 1/100
        Assert.Equal(-Math.Log(0.9), ce, 12);
        Assert.Equal(0.01, improved / ce, 10);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Should_StayFinite_When_LogitsAreTenThousandAndBetaIsSixteen(ScalarType dtype)
    {
        // Given logits of ±1e4: confident right, confident wrong, and ties
        using var scope = NewDisposeScope();
        var logits = torch.tensor(new float[,] { { 1e4f, -1e4f, 0 }, { -1e4f, 1e4f, 1e4f }, { 1e4f, 1e4f, -1e4f }, { -1e4f, -1e4f, -1e4f } }).to(dtype).requires_grad_();
        var labels = torch.tensor(new long[] { 0, 0, 1, 2 });
        foreach (var gamma in new[] { 0.0, 0.5, 2.0, 5.0 })
        {
            foreach (var reduction in new[] { Reduction.Mean, Reduction.None })
            {
                // When the loss and its gradient are computed with beta = 16
                var loss = LossFunctions.Improved(logits, labels, 16.0, gamma, reduction: reduction);
                var grad = torch.autograd.grad([loss.sum()], [logits])[0];

                // Then nothing is NaN or infinite, and the confident-right sample has zero loss
                Assert.True(AllFinite(loss), $"loss gamma={gamma}");
                Assert.True(AllFinite(grad), $"grad gamma={gamma}");
                if (reduction == Reduction.None)
                {
                    Assert.Equal(0.0, loss[0].to(ScalarType.Float64).item<double>());
                }
            }
        }
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Should_HaveFiniteVanishingGradient_When_GammaIsBelowOneAndPtApproachesOne(ScalarType dtype)
    {
        // Given the true-class margin growing until 1 − p_t underflows to zero
        using var scope = NewDisposeScope();
        var margins = new[] { 5.0, 10.0, 15.0, 20.0, 40.0, 80.0, 200.0, 800.0 };
        var logits = torch.zeros(margins.Length, 3, dtype: ScalarType.Float64);
        logits.select(1, 0).copy_(torch.tensor(margins));
        var z = logits.to(dtype).requires_grad_();
        var labels = torch.zeros(margins.Length, dtype: ScalarType.Int64);

        // When the gradient of gamma = 0.5 is computed
        var loss = LossFunctions.Improved(z, labels, 1.0, 0.5, reduction: Reduction.Sum);
        var grad = torch.autograd.grad([loss], [z])[0].to(ScalarType.Float64);

        // Then it is finite, matches the limit form (1 − p_t)^γ (γ p_t r − 1)(δ − p) with r → −1, and reaches zero
        Assert.True(AllFinite(grad));
        var magnitude = grad.abs().sum(1).data<double>().ToArray();
        for (var i = 1; i < magnitude.Length; i++)
        {
            Assert.True(magnitude[i] <= magnitude[i - 1], $"gradient grew at margin {margins[i]}: {magnitude[i]} > {magnitude[i - 1]}");
        }

        Assert.Equal(0.0, magnitude[^1]);
        var q = 2 * Math.Exp(-margins[0]) / (1 + (2 * Math.Exp(-margins[0])));
        var expectedTrueClass = Math.Pow(q, 0.5) * ((0.5 * (1 - q) * Math.Log(1 - q) / q) - 1) * q;
        Assert.Equal(expectedTrueClass, grad[0, 0].item<double>(), dtype == ScalarType.Float64 ? 12 : 6);
    }

    [Fact]
    public void Should_NotBuildGraph_When_NoGradientIsWanted()
    {
        // Given logits that require no gradient, and logits under no_grad
        using var scope = NewDisposeScope();
        var logits = torch.randn(4, 3);
        var labels = torch.tensor(new long[] { 0, 1, 2, 0 });
        var trained = logits.clone().requires_grad_();

        // When the loss is computed
        var plain = LossFunctions.Improved(logits, labels, 4, 5);
        Tensor noGrad;
        using (torch.no_grad())
        {
            noGrad = LossFunctions.Improved(trained, labels, 4, 5);
        }

        var withGrad = LossFunctions.Improved(trained, labels, 4, 5);

        // Then only the last one needs a gradient, and all three agree
        Assert.False(plain.requires_grad);
        Assert.False(noGrad.requires_grad);
        Assert.True(withGrad.requires_grad);
        Assert.Equal(plain.item<float>(), withGrad.item<float>());
        Assert.Equal(noGrad.item<float>(), withGrad.item<float>());
    }

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
    public void Should_AgreeWithFloat64_When_Float32(double beta, double gamma, bool withAlpha)
    {
        // Given logits of mixed scale (confident, hopeless and uncertain rows) in float64 and in float32
        using var scope = NewDisposeScope();
        var (logits, labels, alpha) = MixedScaleInputs(withAlpha);
        var (loss64, grad64) = SumAndGradient(logits, labels, beta, gamma, alpha);

        // When the loss and its gradient are computed in float32
        var (loss32, grad32) = SumAndGradient(logits.to(ScalarType.Float32), labels, beta, gamma, alpha?.to(ScalarType.Float32));

        // Then the results agree to float32 precision and are finite
        Assert.True(AllFinite(grad32));
        Assert.Equal(loss64.ToDouble(), loss32.ToDouble(), Math.Max(1e-5 * Math.Abs(loss64.ToDouble()), 1e-5));
        var scale = grad64.abs().max().ToDouble();
        Assert.True((grad32.to(ScalarType.Float64) - grad64).abs().max().ToDouble() <= 1e-5 * scale, $"beta={beta} gamma={gamma}");
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
    public void Should_GiveTheContiguousValue_When_LogitsAreNotContiguous()
    {
        // Given transposed (non-contiguous) logits
        using var scope = NewDisposeScope();
        torch.manual_seed(5);
        var storage = torch.randn(9, 6, dtype: ScalarType.Float64);
        var logits = storage.t();
        var labels = torch.randint(0, 9, [6]);
        Assert.False(logits.is_contiguous());

        // When the loss is computed on them and on a contiguous copy
        var loss = LossFunctions.Improved(logits, labels, 2, 3);
        var expected = LossFunctions.Improved(logits.contiguous(), labels, 2, 3);

        // Then the values agree
        Assert.Equal(expected.ToDouble(), loss.ToDouble(), 1e-12);
    }

    [Fact]
    public void Should_Throw_When_ArgumentsAreOutOfRange()
    {
        // Given valid logits and labels
        using var scope = NewDisposeScope();
        var logits = torch.randn(4, 3);
        var labels = torch.tensor(new long[] { 0, 1, 2, 0 });

        // When / Then invalid arguments are rejected, naming the parameter
        Assert.Equal("beta", Assert.Throws<ArgumentOutOfRangeException>(() => LossFunctions.Improved(logits, labels, 0, 2)).ParamName);
        Assert.Equal("beta", Assert.Throws<ArgumentOutOfRangeException>(() => LossFunctions.Improved(logits, labels, double.NaN, 2)).ParamName);
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => LossFunctions.Improved(logits, labels, 1, -0.1)).ParamName);
        Assert.Equal("alpha", Assert.Throws<ArgumentException>(() => LossFunctions.Improved(logits, labels, 1, 2, torch.ones(4))).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => LossFunctions.Improved(logits, labels.to(ScalarType.Int32), 1, 2)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => LossFunctions.Improved(logits, labels[..3], 1, 2)).ParamName);
        Assert.Equal("logits", Assert.Throws<ArgumentException>(() => LossFunctions.Improved(logits.flatten(), labels, 1, 2)).ParamName);
    }

    private static void AssertMatchesReference(int index, ScalarType dtype, double tol)
    {
        // Given the reference logits and one (beta, gamma, alpha) case
        using var scope = NewDisposeScope();
        var c = Softmax.GetProperty("improved")[index];
        var (beta, gamma) = (c.GetProperty("beta").GetDouble(), c.GetProperty("gamma").GetDouble());
        var alpha = c.GetProperty("alpha").GetBoolean() ? torch.tensor(Vector(Softmax.GetProperty("alpha"))) : null;
        var logits = MatrixTensor(Softmax.GetProperty("logits"), dtype, requiresGrad: true);
        var labels = LongTensor(Softmax.GetProperty("labels"));
        var what = $"beta={beta} gamma={gamma} alpha={alpha is not null} {dtype}";

        // When the loss is computed with each reduction and the mean is differentiated
        var mean = LossFunctions.Improved(logits, labels, beta, gamma, alpha);
        var sum = LossFunctions.Improved(logits, labels, beta, gamma, alpha, Reduction.Sum);
        var none = LossFunctions.Improved(logits, labels, beta, gamma, alpha, Reduction.None);
        var grad = torch.autograd.grad([mean], [logits])[0];

        // Then values and gradient match PyTorch
        AssertClose(c.GetProperty("mean"), mean, tol, what + " mean");
        AssertClose(c.GetProperty("sum"), sum, tol, what + " sum");
        AssertClose(c.GetProperty("none"), none, tol, what + " none");
        AssertClose(c.GetProperty("grad_mean"), grad, tol, what + " grad");
        Assert.Equal(dtype, mean.dtype);
        Assert.Equal(dtype, grad.dtype);
    }

    /// <summary>(24, 13) logits: rows scaled from 0.1 to 40, so that some are confident (p_t → 1) and some hopeless (p_t → 0).</summary>
    private static (Tensor Logits, Tensor Labels, Tensor? Alpha) MixedScaleInputs(bool withAlpha)
    {
        torch.manual_seed(21);
        var scales = torch.logspace(-1, Math.Log10(40), 24, dtype: ScalarType.Float64).unsqueeze(1);
        var logits = torch.randn(24, 13, dtype: ScalarType.Float64) * scales;
        var labels = torch.randint(0, 13, [24]);
        var alpha = withAlpha ? torch.rand(13, dtype: ScalarType.Float64) + 0.5 : null;
        return (logits, labels, alpha);
    }

    private static (Tensor Loss, Tensor Gradient) SumAndGradient(Tensor logits, Tensor labels, double beta, double gamma, Tensor? alpha)
    {
        var z = logits.detach().clone().requires_grad_();
        var loss = LossFunctions.Improved(z, labels, beta, gamma, alpha, Reduction.Sum);
        return (loss, torch.autograd.grad([loss], [z])[0]);
    }

    private static Tensor PlainImproved(Tensor z, Tensor labels, double beta, double gamma, Tensor? alpha)
    {
        var logPt = nn.functional.log_softmax(z * beta, 1).gather(1, labels.unsqueeze(1)).squeeze(1);
        var perSample = -(1 - logPt.exp()).pow(gamma) * logPt;
        return alpha is null ? perSample : perSample * alpha.gather(0, labels);
    }

    private static Tensor Reduce(Tensor perSample, Reduction reduction) => reduction switch
    {
        Reduction.Mean => perSample.mean(),
        Reduction.Sum => perSample.sum(),
        _ => perSample,
    };

    private static Tensor Gradient(Func<Tensor, Tensor> loss, Tensor logits, Tensor upstream)
    {
        var z = logits.detach().clone().requires_grad_();
        var value = loss(z);
        return torch.autograd.grad([value], [z], [upstream])[0];
    }
}
