using TorchSharp;
using static LossLab.Losses.Tests.LossReference;
using static TorchSharp.torch;

namespace LossLab.Losses.Tests;

public sealed class MetricLossTests
{
    public static TheoryData<ScalarType, double> Precisions() => new()
    {
        { ScalarType.Float64, 1e-9 },
        { ScalarType.Float32, 1e-5 },
    };

    [Theory]
    [MemberData(nameof(Precisions))]
    public void Should_MatchPyTorchReference_When_TripletIndicesAreGiven(ScalarType dtype, double tol)
    {
        // Given the reference embeddings and triplets
        using var scope = NewDisposeScope();
        var r = Metric.GetProperty("triplet");
        var x = MatrixTensor(Metric.GetProperty("embeddings"), dtype, requiresGrad: true);
        var (a, p, n) = (LongTensor(r.GetProperty("anchors")), LongTensor(r.GetProperty("positives")), LongTensor(r.GetProperty("negatives")));

        // When the triplet loss is computed on those triplets
        var loss = LossFunctions.TripletFromIndices(x, a, p, n, r.GetProperty("margin").GetDouble());
        var none = LossFunctions.TripletFromIndices(x, a, p, n, 0.2, Reduction.None);
        var grad = torch.autograd.grad([loss], [x])[0];

        // Then value, per-triplet values and gradient match PyTorch
        AssertClose(r.GetProperty("loss"), loss, tol, "loss");
        AssertClose(r.GetProperty("none"), none, tol, "none");
        AssertClose(r.GetProperty("grad"), grad, tol, "grad");
    }

    [Theory]
    [MemberData(nameof(Precisions))]
    public void Should_MatchPyTorchReference_When_MarginTripletsAreGiven(ScalarType dtype, double tol)
    {
        // Given the reference embeddings, per-class betas and sampled triplets
        using var scope = NewDisposeScope();
        var r = Metric.GetProperty("margin");
        var x = MatrixTensor(Metric.GetProperty("embeddings"), dtype, requiresGrad: true);
        var labels = LongTensor(Metric.GetProperty("labels"));
        var beta = torch.tensor(Vector(r.GetProperty("beta")), dtype: dtype).requires_grad_();
        var (a, p, n) = (LongTensor(r.GetProperty("anchors")), LongTensor(r.GetProperty("positives")), LongTensor(r.GetProperty("negatives")));

        // When the margin loss is computed on those triplets
        var alpha = r.GetProperty("alpha").GetDouble();
        var loss = LossFunctions.MarginFromIndices(x, labels, beta, a, p, n, alpha);
        var none = LossFunctions.MarginFromIndices(x, labels, beta, a, p, n, alpha, Reduction.None);
        var grads = torch.autograd.grad([loss], [x, beta]);

        // Then value (sum over the nonzero-term count), per-triplet values and both gradients match PyTorch
        AssertClose(r.GetProperty("loss"), loss, tol, "loss");
        AssertClose(r.GetProperty("none"), none, tol, "none");
        AssertClose(r.GetProperty("grad"), grads[0], tol, "grad");
        AssertClose(r.GetProperty("grad_extra0"), grads[1], tol, "grad beta");
    }

    [Theory]
    [MemberData(nameof(Precisions))]
    public void Should_MatchPyTorchReference_When_ProxyNca(ScalarType dtype, double tol)
    {
        // Given the reference embeddings and proxies
        using var scope = NewDisposeScope();
        var r = Metric.GetProperty("proxynca");
        var x = MatrixTensor(Metric.GetProperty("embeddings"), dtype, requiresGrad: true);
        var labels = LongTensor(Metric.GetProperty("labels"));
        var proxies = MatrixTensor(r.GetProperty("proxies"), dtype, requiresGrad: true);

        // When proxy-NCA is computed
        var loss = LossFunctions.ProxyNca(x, labels, proxies);
        var none = LossFunctions.ProxyNca(x, labels, proxies, Reduction.None);
        var grads = torch.autograd.grad([loss], [x, proxies]);

        // Then value, per-sample values and both gradients match PyTorch
        AssertClose(r.GetProperty("loss"), loss, tol, "loss");
        AssertClose(r.GetProperty("none"), none, tol, "none");
        AssertClose(r.GetProperty("grad"), grads[0], tol, "grad");
        AssertClose(r.GetProperty("grad_extra0"), grads[1], tol, "grad proxies");
    }

    [Theory]
    [MemberData(nameof(Precisions))]
    public void Should_MatchPyTorchReference_When_NPairPairsAreGiven(ScalarType dtype, double tol)
    {
        // Given the reference embeddings and (anchor, positive) pairs
        using var scope = NewDisposeScope();
        var r = Metric.GetProperty("npair");
        var x = MatrixTensor(Metric.GetProperty("embeddings"), dtype, requiresGrad: true);
        var labels = LongTensor(Metric.GetProperty("labels"));
        var (a, p) = (LongTensor(r.GetProperty("anchors")), LongTensor(r.GetProperty("positives")));

        // When the n-pair loss is computed
        var l2 = r.GetProperty("l2").GetDouble();
        var loss = LossFunctions.NPairFromIndices(x, labels, a, p, l2);
        var none = LossFunctions.NPairFromIndices(x, labels, a, p, l2, Reduction.None);
        var grad = torch.autograd.grad([loss], [x])[0];

        // Then value, per-anchor values and gradient match PyTorch
        AssertClose(r.GetProperty("loss"), loss, tol, "loss");
        AssertClose(r.GetProperty("none"), none, tol, "none");
        AssertClose(r.GetProperty("grad"), grad, tol, "grad");
    }

    [Theory]
    [MemberData(nameof(Precisions))]
    public void Should_MatchPyTorchReference_When_Contrastive(ScalarType dtype, double tol)
    {
        // Given the reference embeddings
        using var scope = NewDisposeScope();
        var r = Metric.GetProperty("contrastive");
        var x = MatrixTensor(Metric.GetProperty("embeddings"), dtype, requiresGrad: true);
        var labels = LongTensor(Metric.GetProperty("labels"));

        // When the contrastive loss over all pairs is computed
        using var module = new ContrastiveLoss(r.GetProperty("margin").GetDouble());
        var loss = module.forward(x, labels);
        var none = LossFunctions.Contrastive(x, labels, 1.0, Reduction.None);
        var grad = torch.autograd.grad([loss], [x])[0];

        // Then value, per-pair values (pairs i < j in row order) and gradient match PyTorch
        AssertClose(r.GetProperty("loss"), loss, tol, "loss");
        AssertClose(r.GetProperty("none"), none, tol, "none");
        AssertClose(r.GetProperty("grad"), grad, tol, "grad");
    }

    [Fact]
    public void Should_BeNonNegativeWithFiniteGradients_When_BatchesAreRandomOrDegenerate()
    {
        // Given random, duplicated, single-class and all-distinct-class batches
        using var scope = NewDisposeScope();
        torch.manual_seed(21);
        var random = torch.randn(32, 16);
        var duplicated = torch.cat([random[..8], random[..8]]);
        var batches = new (string Name, Tensor X, Tensor Labels)[]
        {
            ("random", random, torch.arange(8).repeat_interleave(4)),
            ("duplicated", duplicated, torch.arange(4).repeat(4)),
            ("one class", random[..8], torch.zeros(8, dtype: ScalarType.Int64)),
            ("distinct classes", random[..8], torch.arange(8)),
            ("zeros", torch.zeros(8, 16), torch.arange(4).repeat(2)),
        };
        using var generator = new Generator(5, torch.CPU);
        var proxies = torch.randn(8, 16);
        var beta = torch.full(8, 1.2);

        foreach (var (name, x0, labels) in batches)
        {
            var losses = new (string Loss, Func<Tensor, Tensor> Compute, bool NonNegative)[]
            {
                ("triplet semi-hard", x => LossFunctions.Triplet(x, labels, generator: generator, reduction: Reduction.None), true),
                ("triplet batch-hard", x => LossFunctions.Triplet(x, labels, mining: TripletMining.BatchHard, reduction: Reduction.None), true),
                ("margin", x => LossFunctions.Margin(x, labels, beta, generator: generator, reduction: Reduction.None), true),
                ("margin cutoff", x => LossFunctions.Margin(x, labels, beta, distanceCutoff: true, generator: generator, reduction: Reduction.None), true),
                ("proxynca", x => LossFunctions.ProxyNca(x, labels, proxies, Reduction.None), false),
                ("npair", x => LossFunctions.NPair(x, labels, generator: generator, reduction: Reduction.None), true),
                ("contrastive", x => LossFunctions.Contrastive(x, labels, reduction: Reduction.None), true),
            };
            foreach (var (lossName, compute, nonNegative) in losses)
            {
                // When each loss and its mean's gradient are computed
                var x = x0.clone().requires_grad_();
                var perSample = compute(x);
                var mean = LossFunctions.Reduce(perSample, Reduction.Mean);
                var grad = torch.autograd.grad([mean], [x], allow_unused: true)[0];

                // Then values and gradients are finite, non-negative where the loss is, and an empty set gives 0
                var what = $"{lossName} on {name}";
                Assert.True(AllFinite(perSample) && AllFinite(mean), what + " value");
                Assert.True(grad is null || grad.IsInvalid || AllFinite(grad), what + " gradient");
                if (nonNegative)
                {
                    Assert.True(perSample.numel() == 0 || perSample.min().item<float>() >= 0, what + " sign");
                }

                if (perSample.numel() == 0)
                {
                    Assert.Equal(0f, mean.item<float>());
                }
            }
        }
    }

    [Fact]
    public void Should_BeZero_When_MarginsAreSatisfied()
    {
        // Given four tight, mutually orthogonal classes (squared distance 2 between classes, ~0 within)
        using var scope = NewDisposeScope();
        var labels = torch.arange(4).repeat_interleave(4);
        var x = (torch.eye(4).repeat_interleave(4, dim: 0) * 5).requires_grad_();
        using var generator = new Generator(7, torch.CPU);

        // When the margin-based losses are computed
        var triplet = LossFunctions.Triplet(x, labels, generator: generator);
        var batchHard = LossFunctions.Triplet(x, labels, mining: TripletMining.BatchHard);
        var margin = LossFunctions.Margin(x, labels, torch.full(4, 1.2), generator: generator);
        var contrastive = LossFunctions.Contrastive(x, labels);
        var npair = LossFunctions.NPair(x, labels, l2Weight: 0, generator: generator);

        // Then each is zero (n-pair tends to zero as a·n − a·p = −25)
        Assert.Equal(0f, triplet.item<float>());
        Assert.Equal(0f, batchHard.item<float>());
        Assert.Equal(0f, margin.item<float>());
        Assert.Equal(0f, contrastive.item<float>());
        Assert.True(npair.item<float>() < 1e-9, $"npair {npair.item<float>()}");
    }

    [Fact]
    public void Should_BePositive_When_MarginsAreViolated()
    {
        // Given a batch where other classes sit closer than one's own class
        using var scope = NewDisposeScope();
        torch.manual_seed(22);
        var x = torch.randn(16, 8);
        var labels = torch.arange(4).repeat(4);

        // When the losses are computed on the mixed-up batch
        var triplet = LossFunctions.Triplet(x, labels, mining: TripletMining.BatchHard).item<float>();
        var margin = LossFunctions.Margin(x, labels, torch.full(4, 1.2)).item<float>();
        var contrastive = LossFunctions.Contrastive(x, labels).item<float>();

        // Then each is positive: a loss stuck at zero would fail here
        Assert.True(triplet > 0 && margin > 0 && contrastive > 0, $"{triplet} {margin} {contrastive}");
    }

    [Fact]
    public void Should_NotDependOnBatchOrder_When_LossIsDeterministic()
    {
        // Given a batch of 8 classes × 2 (one positive per anchor) and a permutation of it
        using var scope = NewDisposeScope();
        torch.manual_seed(23);
        var x = torch.randn(16, 12, dtype: ScalarType.Float64);
        var labels = torch.arange(8).repeat(2);
        var proxies = torch.randn(8, 12, dtype: ScalarType.Float64);
        var perm = torch.randperm(16);
        var (xp, lp) = (x.index_select(0, perm), labels.index_select(0, perm));

        // When the deterministic losses see both orders
        var pairs = new (string Name, Func<Tensor, Tensor, Tensor> Loss)[]
        {
            ("contrastive", (e, l) => LossFunctions.Contrastive(e, l)),
            ("proxynca", (e, l) => LossFunctions.ProxyNca(e, l, proxies)),
            ("npair", (e, l) => LossFunctions.NPair(e, l)),
            ("batch-hard", (e, l) => LossFunctions.Triplet(e, l, mining: TripletMining.BatchHard)),
        };

        // Then the value does not change
        foreach (var (name, loss) in pairs)
        {
            AssertClose(loss(x, labels).item<double>(), loss(xp, lp), 1e-12, name);
        }
    }

    [Fact]
    public void Should_NotDependOnBatchOrder_When_SemiHardChoiceIsUnique()
    {
        // Given 3 classes × 2 on the sphere where every anchor has exactly one semi-hard negative at margin 0.3
        using var scope = NewDisposeScope();
        var x = torch.tensor(new double[,]
        {
            { -0.512, -0.382, 0.77 }, { -0.565, 0.101, -0.819 }, { -0.116, 0.867, -0.485 },
            { 0.436, 0.01, 0.9 }, { -0.491, -0.318, 0.811 }, { 0.203, -0.594, -0.779 },
        });
        var labels = torch.tensor(new long[] { 0, 0, 1, 1, 2, 2 });
        var perm = torch.tensor(new long[] { 4, 2, 5, 0, 3, 1 });
        using var g1 = new Generator(1, torch.CPU);
        using var g2 = new Generator(99, torch.CPU);

        // When semi-hard triplet loss sees both orders with different random streams
        var original = LossFunctions.Triplet(x, labels, 0.3, generator: g1).item<double>();
        var permuted = LossFunctions.Triplet(x.index_select(0, perm), labels.index_select(0, perm), 0.3, generator: g2);

        // Then the value does not change and is positive (every triplet is semi-hard)
        Assert.True(original > 0);
        AssertClose(original, permuted, 1e-12, "semi-hard");
    }
}
