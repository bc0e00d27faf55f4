using LossLab.Losses.Mining;
using TorchSharp;
using static LossLab.Losses.Tests.LossReference;
using static TorchSharp.torch;

namespace LossLab.Losses.Tests.Mining;

public sealed class MiningTests
{
    [Fact]
    public void Should_MatchBruteForce_When_DistancesArePairwise()
    {
        // Given random embeddings
        using var scope = NewDisposeScope();
        torch.manual_seed(30);
        var x = torch.randn(10, 5, dtype: ScalarType.Float64);

        // When the batched squared distances are computed
        var d = PairwiseDistances.Squared(x);

        // Then each equals the sum of squared coordinate differences, with a zero diagonal
        var a = x.data<double>().ToArray();
        var expected = new double[100];
        for (var i = 0; i < 10; i++)
        {
            for (var j = 0; j < 10; j++)
            {
                expected[(i * 10) + j] = Enumerable.Range(0, 5).Sum(k => Math.Pow(a[(i * 5) + k] - a[(j * 5) + k], 2));
            }
        }

        AssertClose(expected, d, 1e-12, "squared");
        AssertClose(expected.Select(v => Math.Sqrt(v + 1e-8)).ToArray(), PairwiseDistances.Euclidean(x), 1e-12, "euclidean");
        Assert.Equal(0.0, d.diagonal().abs().max().item<double>());
    }

    [Fact]
    public void Should_PickSemiHardNegatives_When_TheAnchorHasThem()
    {
        // Given a random batch of 4 classes × 4 and its squared distances on the sphere
        using var scope = NewDisposeScope();
        torch.manual_seed(31);
        var labels = torch.arange(4).repeat(4);
        var d = PairwiseDistances.Squared(nn.functional.normalize(torch.randn(16, 3, dtype: ScalarType.Float64), dim: 1));
        var dist = ToArray(d);
        var lab = labels.data<long>().ToArray();
        const double margin = 0.3;
        using var generator = new Generator(3, torch.CPU);
        var withWindow = 0;

        for (var draw = 0; draw < 20; draw++)
        {
            // When semi-hard triplets are mined
            using var t = SemiHardMiner.Mine(d, labels, margin, generator);

            // Then there is one triplet per anchor, and each negative is semi-hard whenever the anchor has a semi-hard one
            var (a, p, n) = (t.Anchors.data<long>().ToArray(), t.Positives.data<long>().ToArray(), t.Negatives.data<long>().ToArray());
            Assert.Equal(Enumerable.Range(0, 16).Select(i => (long)i), a);
            for (var k = 0; k < a.Length; k++)
            {
                Assert.True(lab[p[k]] == lab[a[k]] && p[k] != a[k], $"positive of {a[k]}");
                Assert.NotEqual(lab[a[k]], lab[n[k]]);
                var dap = dist[a[k], p[k]];
                bool SemiHard(long j) => lab[j] != lab[a[k]] && dist[a[k], j] > dap && dist[a[k], j] < dap + margin;
                if (Enumerable.Range(0, 16).Any(j => SemiHard(j)))
                {
                    withWindow++;
                    Assert.True(SemiHard(n[k]), $"anchor {a[k]}: negative {n[k]} is not semi-hard");
                }
            }
        }

        Assert.True(withWindow > 50, $"only {withWindow} anchors had a semi-hard negative: the test checks too little");
    }

    [Fact]
    public void Should_ChooseUniformly_When_SeveralNegativesAreSemiHard()
    {
        // Given one anchor with a positive and three negatives inside the semi-hard window, one outside
        using var scope = NewDisposeScope();
        var d = torch.tensor(new double[,]
        {
            { 0, 1, 1.1, 1.2, 1.3, 3 }, { 1, 0, 3, 3, 3, 3 }, { 1.1, 3, 0, 3, 3, 3 },
            { 1.2, 3, 3, 0, 3, 3 }, { 1.3, 3, 3, 3, 0, 3 }, { 3, 3, 3, 3, 3, 0 },
        });
        var labels = torch.tensor(new long[] { 0, 0, 1, 1, 2, 2 });
        using var generator = new Generator(4, torch.CPU);
        var counts = new int[6];

        // When anchor 0 is mined 600 times
        for (var draw = 0; draw < 600; draw++)
        {
            using var t = SemiHardMiner.Mine(d, labels, 0.5, generator);
            counts[t.Negatives[0].item<long>()]++;
        }

        // Then each semi-hard negative comes about a third of the time and the outside one never
        Assert.Equal(0, counts[5]);
        Assert.All(new[] { counts[2], counts[3], counts[4] }, c => Assert.InRange(c, 150, 250));
    }

    [Fact]
    public void Should_PickHardestPair_When_MiningBatchHard()
    {
        // Given a random batch where class 3 has a single sample
        using var scope = NewDisposeScope();
        torch.manual_seed(32);
        var labels = torch.tensor(new long[] { 0, 1, 2, 0, 1, 2, 0, 1, 2, 3 });
        var d = PairwiseDistances.Squared(torch.randn(10, 4, dtype: ScalarType.Float64));
        var dist = ToArray(d);
        var lab = labels.data<long>().ToArray();

        // When batch-hard triplets are mined
        using var t = BatchHardMiner.Mine(d, labels);

        // Then the lone sample is skipped and every other anchor has its farthest positive and nearest negative
        var (a, p, n) = (t.Anchors.data<long>().ToArray(), t.Positives.data<long>().ToArray(), t.Negatives.data<long>().ToArray());
        Assert.Equal(Enumerable.Range(0, 9).Select(i => (long)i), a);
        for (var k = 0; k < a.Length; k++)
        {
            var i = a[k];
            var positives = Enumerable.Range(0, 10).Where(j => j != i && lab[j] == lab[i]);
            var negatives = Enumerable.Range(0, 10).Where(j => lab[j] != lab[i]);
            Assert.Equal(positives.Max(j => dist[i, j]), dist[i, p[k]]);
            Assert.Equal(negatives.Min(j => dist[i, j]), dist[i, n[k]]);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Should_MatchPyTorchReference_When_DistanceWeightsAreComputed(int index)
    {
        // Given the reference embeddings, with and without the 1.4 cutoff
        using var scope = NewDisposeScope();
        var r = Metric.GetProperty("sampling")[index];
        var x = nn.functional.normalize(MatrixTensor(Metric.GetProperty("embeddings"), ScalarType.Float64), dim: 1);
        var labels = LongTensor(Metric.GetProperty("labels"));
        var cutoff = r.GetProperty("cutoff").GetBoolean() ? DistanceWeightedSampler.DefaultCutoff : (double?)null;

        // When the sampling probabilities are computed
        var probabilities = DistanceWeightedSampler.Probabilities(PairwiseDistances.Euclidean(x), labels, (int)x.shape[1], cutoff);

        // Then they match the row-by-row reference
        AssertClose(r.GetProperty("probs"), probabilities, 1e-9, "probabilities");
    }

    [Theory]
    [InlineData(16)]
    [InlineData(128)]
    [InlineData(1024)]
    public void Should_KeepEveryRowNormalised_When_DimensionIsHigh(int dimension)
    {
        // Given distances spanning the clamp and the sphere's diameter, where raw weights over- or underflow
        using var scope = NewDisposeScope();
        torch.manual_seed(33);
        var labels = torch.arange(8).repeat(4);
        var d = (torch.rand(32, 32, dtype: ScalarType.Float32) * 2.1).triu(1);
        d = d + d.t();

        // When the probabilities are computed
        var probabilities = DistanceWeightedSampler.Probabilities(d, labels, dimension);

        // Then they are finite, zero on the own class and sum to one on every row
        Assert.True(AllFinite(probabilities));
        var same = labels.unsqueeze(1).eq(labels.unsqueeze(0));
        Assert.Equal(0f, probabilities.masked_select(same).abs().max().item<float>());
        AssertClose(Enumerable.Repeat(1.0, 32).ToArray(), probabilities.sum(1), 1e-5, "row sums");
    }

    [Fact]
    public void Should_SampleByWeightAndSkipEmptyRows_When_DrawingNegatives()
    {
        // Given reference distances under the cutoff, and a row whose negatives are all beyond it
        using var scope = NewDisposeScope();
        var x = nn.functional.normalize(MatrixTensor(Metric.GetProperty("embeddings"), ScalarType.Float64), dim: 1);
        var labels = LongTensor(Metric.GetProperty("labels"));
        var d = PairwiseDistances.Euclidean(x);
        var isolated = labels.eq(labels[0]).logical_not();
        d[0].masked_fill_(isolated, 1.9);
        d.select(1, 0).masked_fill_(isolated, 1.9);
        var probabilities = ToArray(DistanceWeightedSampler.Probabilities(d, labels, 8, 1.4));
        using var generator = new Generator(8, torch.CPU);
        var counts = new double[16, 16];
        const int draws = 400;

        // When negatives are drawn many times
        for (var draw = 0; draw < draws; draw++)
        {
            using var t = DistanceWeightedSampler.Mine(d, labels, 8, 1.4, generator);
            var (a, n) = (t.Anchors.data<long>().ToArray(), t.Negatives.data<long>().ToArray());

            // Then anchor 0 is skipped, and no draw has zero probability
            Assert.DoesNotContain(0L, a);
            for (var k = 0; k < a.Length; k++)
            {
                Assert.True(probabilities[a[k], n[k]] > 0, $"anchor {a[k]} drew {n[k]}");
                counts[a[k], n[k]]++;
            }
        }

        // And frequencies follow the probabilities (binomial standard error ≤ 0.025)
        for (var i = 1; i < 16; i++)
        {
            for (var j = 0; j < 16; j++)
            {
                Assert.True(Math.Abs((counts[i, j] / draws) - probabilities[i, j]) < 0.1, $"({i}, {j}): {counts[i, j] / draws} vs {probabilities[i, j]}");
            }
        }
    }

    [Fact]
    public void Should_RepeatDraws_When_SeedIsTheSame()
    {
        // Given a batch and two generators with one seed, one with another
        using var scope = NewDisposeScope();
        var x = MatrixTensor(Metric.GetProperty("embeddings"), ScalarType.Float32);
        var labels = LongTensor(Metric.GetProperty("labels"));
        using var g1 = new Generator(42, torch.CPU);
        using var g2 = new Generator(42, torch.CPU);
        using var g3 = new Generator(43, torch.CPU);
        var beta = torch.full(4, 1.2);

        // When losses with random draws are computed several times from each
        float[] Run(Generator g) => Enumerable.Range(0, 5).SelectMany(_ => new[]
        {
            LossFunctions.Triplet(x, labels, generator: g).item<float>(),
            LossFunctions.Margin(x, labels, beta, generator: g).item<float>(),
            LossFunctions.NPair(x, labels, generator: g).item<float>(),
        }).ToArray();

        // Then the same seed gives the same values and another seed different ones
        Assert.Equal(Run(g1), Run(g2));
        Assert.NotEqual(Run(g1), Run(g3));
    }

    private static double[,] ToArray(Tensor m)
    {
        var n = (int)m.shape[0];
        var values = m.to(ScalarType.Float64).data<double>().ToArray();
        var result = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                result[i, j] = values[(i * n) + j];
            }
        }

        return result;
    }
}
