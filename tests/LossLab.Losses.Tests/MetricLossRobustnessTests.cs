using TorchSharp;
using static LossLab.Losses.Tests.LossReference;
using static TorchSharp.torch;

namespace LossLab.Losses.Tests;

/// <summary>
/// The reduced metric losses on the edges of their inputs: float32 agrees with float64, rows without a usable
/// negative are skipped, and a seed fixes every draw.
/// </summary>
public sealed class MetricLossRobustnessTests
{
    public static TheoryData<string> Losses() => new() { "triplet", "triplet-batch-hard", "margin", "margin-cutoff", "npair", "contrastive" };

    [Theory]
    [MemberData(nameof(Losses))]
    public void Should_AgreeWithFloat64_When_ComputedInFloat32(string loss)
    {
        // Given one batch of 8 classes × 4 in float64 and in float32, and generators with one seed
        using var scope = NewDisposeScope();
        torch.manual_seed(70);
        var labels = torch.arange(8).repeat(4);
        var x64 = torch.randn(32, 16, dtype: ScalarType.Float64).requires_grad_();
        var x32 = x64.detach().to(ScalarType.Float32).requires_grad_();
        var beta64 = torch.full(8, 1.0, dtype: ScalarType.Float64).requires_grad_();
        var beta32 = torch.full(8, 1.0f, dtype: ScalarType.Float32).requires_grad_();
        using var g64 = new Generator(11, torch.CPU);
        using var g32 = new Generator(11, torch.CPU);

        // When both are computed and differentiated
        var l64 = Compute(loss, x64, labels, beta64, g64);
        var l32 = Compute(loss, x32, labels, beta32, g32);
        var grad64 = torch.autograd.grad([l64], [x64])[0];
        var grad32 = torch.autograd.grad([l32], [x32])[0];

        // Then values and gradients agree to float32 precision, and the loss is not trivially zero
        Assert.Equal(ScalarType.Float32, l32.dtype);
        Assert.True(l64.item<double>() > 0, $"{loss}: {l64.item<double>()}");
        AssertClose(l64.item<double>(), l32, 1e-5, loss);
        AssertClose(grad64.data<double>().ToArray(), grad32, 1e-4, loss + " gradient");
    }

    [Theory]
    [MemberData(nameof(Losses))]
    public void Should_GiveFiniteValues_When_NegativesAreAntipodalOrAbsent(string loss)
    {
        // Given class 0 on one pole and the other classes exactly on the opposite pole (d = 2, beyond the cutoff and
        // where the sphere density term vanishes), and a batch of a single class
        using var scope = NewDisposeScope();
        var pole = torch.zeros(1, 8, dtype: ScalarType.Float64);
        pole[0, 0] = 1;
        var antipodal = torch.cat([pole, pole * 2, -pole, -pole * 3, -pole * 0.5, -pole]).requires_grad_();
        var antipodalLabels = torch.tensor(new long[] { 0, 0, 1, 1, 2, 2 });
        var single = torch.randn(4, 8, dtype: ScalarType.Float64).requires_grad_();
        var beta = torch.full(3, 1.2, dtype: ScalarType.Float64).requires_grad_();
        using var generator = new Generator(12, torch.CPU);

        foreach (var (x, labels) in new[] { (antipodal, antipodalLabels), (single, torch.zeros(4, dtype: ScalarType.Int64)) })
        {
            // When the loss is computed and differentiated
            var value = Compute(loss, x, labels, beta, generator);
            var gradient = torch.autograd.grad([value], [x])[0];

            // Then nothing is NaN or infinite
            Assert.True(AllFinite(value) && AllFinite(gradient), $"{loss}: {value.item<double>()}");
        }

        // And a batch without negatives has nothing to learn (contrastive still pulls its one class together)
        if (loss != "contrastive")
        {
            var empty = Compute(loss, single, torch.zeros(4, dtype: ScalarType.Int64), beta, generator);
            Assert.Equal(0.0, empty.item<double>());
        }
    }

    [Fact]
    public void Should_SkipAnchor_When_EveryNegativeIsBeyondTheCutoff()
    {
        // Given class 0 on one pole and the other classes near the opposite one, beyond the 1.4 cutoff from class 0
        using var scope = NewDisposeScope();
        torch.manual_seed(71);
        var pole = torch.zeros(1, 8, dtype: ScalarType.Float64);
        pole[0, 0] = 1;
        var far = (torch.randn(6, 8, dtype: ScalarType.Float64) * 0.05) - pole;
        var x = torch.cat([pole, pole + (torch.randn(1, 8, dtype: ScalarType.Float64) * 0.05), far]);
        var labels = torch.tensor(new long[] { 0, 0, 1, 1, 1, 2, 2, 2 });
        var beta = torch.full(3, 1.2, dtype: ScalarType.Float64);
        using var generator = new Generator(13, torch.CPU);

        // When the margin loss with the cutoff is computed per triplet and summed
        var perTriplet = LossFunctions.Margin(x, labels, beta, distanceCutoff: true, generator: generator, reduction: Reduction.None);
        var all = LossFunctions.Margin(x, labels, beta, distanceCutoff: true, generator: generator, reduction: Reduction.Sum);

        // Then the class 0 anchors yield no triplet (6 of 8 remain) and the sum is finite
        Assert.Equal(6, perTriplet.shape[0]);
        Assert.True(AllFinite(perTriplet) && AllFinite(all));
    }

    [Theory]
    [InlineData(Reduction.Mean)]
    [InlineData(Reduction.Sum)]
    public void Should_AgreeWithFloat64_When_ProxyNcaIsDifferentiatedInFloat32(Reduction reduction)
    {
        // Given a batch and proxies of 5 classes in float64, and the same in float32
        using var scope = NewDisposeScope();
        torch.manual_seed(74);
        var labels = torch.arange(5).repeat(6);
        var x = torch.randn(30, 12, dtype: ScalarType.Float64).requires_grad_();
        var proxies = (torch.randn(5, 12, dtype: ScalarType.Float64) * 0.2).requires_grad_();
        var x32 = x.detach().to(ScalarType.Float32).requires_grad_();
        var proxies32 = proxies.detach().to(ScalarType.Float32).requires_grad_();

        // When both are computed and differentiated for the embeddings and the proxies
        var double64 = LossFunctions.ProxyNca(x, labels, proxies, reduction);
        var gradients64 = torch.autograd.grad([double64], [x, proxies]);
        var single = LossFunctions.ProxyNca(x32, labels, proxies32, reduction);
        var singleGradients = torch.autograd.grad([single], [x32, proxies32]);

        // Then float32 matches float64 to its precision
        AssertClose(double64.item<double>(), single, 1e-5, "float32 loss");
        for (var i = 0; i < 2; i++)
        {
            AssertClose(gradients64[i].data<double>().ToArray(), singleGradients[i], 1e-4, $"float32 gradient {i}");
        }
    }

    [Fact]
    public void Should_RepeatEveryDraw_When_SeedIsTheSame()
    {
        // Given a batch and two generators with one seed
        using var scope = NewDisposeScope();
        torch.manual_seed(73);
        var labels = torch.arange(16).repeat(4);
        var x = torch.randn(64, 32).requires_grad_();
        var beta = torch.full(16, 1.2f).requires_grad_();
        using var g1 = new Generator(14, torch.CPU);
        using var g2 = new Generator(14, torch.CPU);

        foreach (var loss in new[] { "triplet", "margin", "npair" })
        {
            // When a loss and its gradient are computed three times from each
            float[] Run(Generator g) => Enumerable.Range(0, 3).SelectMany(_ =>
            {
                var value = Compute(loss, x, labels, beta, g);
                return torch.autograd.grad([value], [x])[0].data<float>().ToArray().Prepend(value.item<float>());
            }).ToArray();

            // Then values and gradients are identical
            Assert.Equal(Run(g1), Run(g2));
        }
    }

    private static Tensor Compute(string loss, Tensor x, Tensor labels, Tensor beta, Generator generator) => loss switch
    {
        "triplet" => LossFunctions.Triplet(x, labels, 0.5, generator: generator),
        "triplet-batch-hard" => LossFunctions.Triplet(x, labels, 0.5, TripletMining.BatchHard),
        "margin" => LossFunctions.Margin(x, labels, beta, 0.2, generator: generator),
        "margin-cutoff" => LossFunctions.Margin(x, labels, beta, 0.2, distanceCutoff: true, generator: generator),
        "npair" => LossFunctions.NPair(x, labels, 0.01, generator),
        _ => LossFunctions.Contrastive(x, labels, 1.0),
    };
}
