using LossLab.Losses.Mining;
using TorchSharp;
using static LossLab.Losses.Tests.LossReference;
using static TorchSharp.torch;

namespace LossLab.Losses.Tests;

/// <summary>
/// The metric losses mine or draw with the public miners and then compute the loss on given indices (checked against
/// PyTorch in <see cref="MetricLossTests"/>): given the same draws, a loss and the loss on the miners' indices agree in
/// value and gradient.
/// </summary>
public sealed class MinedMetricLossTests
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
        var (mined, composed) = Compute(loss, x, labels, beta, reduction, g1, g2);

        // When both are differentiated
        var minedGradients = torch.autograd.grad([mined], inputs);
        var composedGradients = torch.autograd.grad([composed], inputs);

        // Then values and gradients agree, and the loss is not trivially zero
        Assert.True(composed.item<double>() > 0, $"{loss}: {composed.item<double>()}");
        AssertClose(composed.item<double>(), mined, 1e-12, "loss");
        for (var i = 0; i < inputs.Length; i++)
        {
            AssertClose(composedGradients[i].data<double>().ToArray(), minedGradients[i], 1e-12, $"gradient {i}");
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

    private static (Tensor Mined, Tensor Composed) Compute(
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
                    var mined = LossFunctions.Triplet(x, labels, 0.5, generator: g1, reduction: reduction);
                    using var t = SemiHardMiner.Mine(squared, labels, 0.5, g2);
                    return (mined, LossFunctions.TripletFromIndices(x, t.Anchors, t.Positives, t.Negatives, 0.5, reduction));
                }

            case "triplet-batch-hard":
                {
                    var mined = LossFunctions.Triplet(x, labels, 0.5, TripletMining.BatchHard, reduction: reduction);
                    using var t = BatchHardMiner.Mine(squared, labels);
                    return (mined, LossFunctions.TripletFromIndices(x, t.Anchors, t.Positives, t.Negatives, 0.5, reduction));
                }

            case "margin" or "margin-cutoff":
                {
                    var cutoff = loss == "margin-cutoff";
                    var mined = LossFunctions.Margin(x, labels, beta, 0.3, cutoff, g1, reduction);
                    var (p, n, valid) = DistanceWeightedSampler.MineRows(
                        squared, labels, (int)x.shape[1], cutoff ? DistanceWeightedSampler.DefaultCutoff : null, g2);
                    using var t = MiningMasks.Select(valid, p, n);
                    return (mined, LossFunctions.MarginFromIndices(x, labels, beta, t.Anchors, t.Positives, t.Negatives, 0.3, reduction));
                }

            default:
                {
                    var mined = LossFunctions.NPair(x, labels, 0.01, g1, reduction);
                    var (p, hasPositive) = MiningMasks.RandomPositive(labels, g2);
                    var anchors = hasPositive.logical_and_(other.sum(1).gt(0)).nonzero().squeeze(1);
                    return (mined, LossFunctions.NPairFromIndices(x, labels, anchors, p.index_select(0, anchors), 0.01, reduction));
                }
        }
    }
}
