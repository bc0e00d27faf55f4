using LossLab.Losses.Mining;
using TorchSharp;
using static LossLab.Losses.Tests.LossReference;
using static TorchSharp.torch;

namespace LossLab.Losses.Tests;

/// <summary>
/// The reduced metric losses run as one node with an analytic gradient; the losses on given indices are composed of
/// autograd ops and checked against PyTorch. Given the same draws, both must agree in value and gradient.
/// </summary>
public sealed class FusedMetricLossTests
{
    public static TheoryData<string, Reduction> Cases()
    {
        var data = new TheoryData<string, Reduction>();
        foreach (var loss in new[] { "triplet", "triplet-batch-hard", "margin", "margin-cutoff", "npair" })
        {
            data.Add(loss, Reduction.Mean);
            data.Add(loss, Reduction.Sum);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Should_MatchLossOnMinedIndices_When_DrawsAreTheSame(string loss, Reduction reduction)
    {
        // Given 6 classes × 4 and a lone sample (skipped as an anchor), and two generators with one seed
        using var scope = NewDisposeScope();
        torch.manual_seed(60);
        var labels = torch.cat([torch.arange(6).repeat(4), torch.tensor(new long[] { 6 })]);
        var x = torch.randn(25, 8, dtype: ScalarType.Float64).requires_grad_();
        var beta = (torch.full(7, 1.2, dtype: ScalarType.Float64) + (torch.rand(7, dtype: ScalarType.Float64) * 0.2)).requires_grad_();
        using var g1 = new Generator(9, torch.CPU);
        using var g2 = new Generator(9, torch.CPU);
        Tensor[] inputs = loss.StartsWith("margin", StringComparison.Ordinal) ? [x, beta] : [x];
        var (fused, composed) = Compute(loss, x, labels, beta, reduction, g1, g2);

        // When both are differentiated
        var fusedGradients = torch.autograd.grad([fused], inputs);
        var composedGradients = torch.autograd.grad([composed], inputs);

        // Then values and gradients agree, and the loss is not trivially zero
        Assert.True(composed.item<double>() > 0, $"{loss}: {composed.item<double>()}");
        AssertClose(composed.item<double>(), fused, 1e-12, "loss");
        for (var i = 0; i < inputs.Length; i++)
        {
            AssertClose(composedGradients[i].data<double>().ToArray(), fusedGradients[i], 1e-12, $"gradient {i}");
        }
    }

    [Fact]
    public void Should_MatchPerPairSum_When_ContrastiveOrProxyNcaIsSummed()
    {
        // Given a random batch and proxies
        using var scope = NewDisposeScope();
        torch.manual_seed(61);
        var labels = torch.arange(4).repeat(5);
        var x = torch.randn(20, 6, dtype: ScalarType.Float64).requires_grad_();
        var proxies = torch.randn(4, 6, dtype: ScalarType.Float64).requires_grad_();

        foreach (var (name, sum, perSample) in new (string, Func<Tensor>, Func<Tensor>)[]
        {
            ("contrastive", () => LossFunctions.Contrastive(x, labels, 1.5, Reduction.Sum), () => LossFunctions.Contrastive(x, labels, 1.5, Reduction.None)),
            ("proxynca", () => LossFunctions.ProxyNca(x, labels, proxies, Reduction.Sum), () => LossFunctions.ProxyNca(x, labels, proxies, Reduction.None)),
        })
        {
            // When the fused sum and the sum of the composed per-sample values are differentiated
            var fused = sum();
            var composed = perSample().sum();
            var fusedGradient = torch.autograd.grad([fused], [x])[0];
            var composedGradient = torch.autograd.grad([composed], [x])[0];

            // Then they agree
            AssertClose(composed.item<double>(), fused, 1e-12, name);
            AssertClose(composedGradient.data<double>().ToArray(), fusedGradient, 1e-12, name + " gradient");
        }
    }

    [Fact]
    public void Should_GiveValueWithoutGraph_When_NoGradientIsWanted()
    {
        // Given embeddings that require a gradient
        using var scope = NewDisposeScope();
        torch.manual_seed(62);
        var labels = torch.arange(4).repeat(4);
        var x = torch.randn(16, 8).requires_grad_();

        // When the loss is computed with and without gradient recording
        var recorded = LossFunctions.Contrastive(x, labels);
        Tensor unrecorded;
        using (torch.no_grad())
        {
            unrecorded = LossFunctions.Contrastive(x, labels);
        }

        // Then the values agree and only the recorded one is part of a graph
        Assert.Equal(recorded.item<float>(), unrecorded.item<float>());
        Assert.True(recorded.requires_grad);
        Assert.False(unrecorded.requires_grad);
    }

    private static (Tensor Fused, Tensor Composed) Compute(
        string loss, Tensor x, Tensor labels, Tensor beta, Reduction reduction, Generator g1, Generator g2)
    {
        Tensor squared;
        using (torch.no_grad())
        {
            squared = PairwiseDistances.Squared(nn.functional.normalize(x.detach(), dim: 1));
        }

        var other = MiningMasks.OtherClass(labels, squared.dtype);
        switch (loss)
        {
            case "triplet":
                {
                    var fused = LossFunctions.Triplet(x, labels, 0.5, generator: g1, reduction: reduction);
                    using var t = SemiHardMiner.Mine(squared, labels, 0.5, g2);
                    return (fused, LossFunctions.TripletFromIndices(x, t.Anchors, t.Positives, t.Negatives, 0.5, reduction));
                }

            case "triplet-batch-hard":
                {
                    var fused = LossFunctions.Triplet(x, labels, 0.5, TripletMining.BatchHard, reduction: reduction);
                    using var t = BatchHardMiner.Mine(squared, labels);
                    return (fused, LossFunctions.TripletFromIndices(x, t.Anchors, t.Positives, t.Negatives, 0.5, reduction));
                }

            case "margin" or "margin-cutoff":
                {
                    var cutoff = loss == "margin-cutoff";
                    var fused = LossFunctions.Margin(x, labels, beta, 0.3, cutoff, g1, reduction);
                    var (p, n, valid) = DistanceWeightedSampler.MineRows(
                        squared, labels, (int)x.shape[1], cutoff ? DistanceWeightedSampler.DefaultCutoff : null, g2);
                    using var t = MiningMasks.Select(valid, p, n);
                    return (fused, LossFunctions.MarginFromIndices(x, labels, beta, t.Anchors, t.Positives, t.Negatives, 0.3, reduction));
                }

            default:
                {
                    var fused = LossFunctions.NPair(x, labels, 0.01, g1, reduction);
                    var (p, hasPositive) = MiningMasks.RandomPositive(labels, g2);
                    var anchors = hasPositive.logical_and_(other.sum(1).gt(0)).nonzero().squeeze(1);
                    return (fused, LossFunctions.NPairFromIndices(x, labels, anchors, p.index_select(0, anchors), 0.01, reduction));
                }
        }
    }
}
