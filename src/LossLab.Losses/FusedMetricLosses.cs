using LossLab.Losses.Mining;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses;

/// <summary>
/// The reduced (mean or sum) metric losses of <see cref="LossFunctions"/> as single autograd nodes with analytic
/// gradients (see <see cref="FusedLossFunction"/>). Each forms the (N, N) Gram matrix once and uses it for mining and
/// for the loss; the gradient of a loss that touches one pair per anchor is scattered with index operations, that of
/// a loss over all pairs is one (N, N) × (N, D) product. Per-sample values (<see cref="Reduction.None"/>) keep the
/// composed autograd path in <see cref="LossFunctions"/>; both match the PyTorch reference.
/// </summary>
/// <remarks>
/// Distances d²_ij = ‖x_i‖² + ‖x_j‖² − 2·x_i·x_j of normalised rows move x_i by −2·x_j per unit of upstream gradient
/// plus a radial part 2·x_i, which <see cref="NormalizeBackward"/> removes; so the gradients below omit it, except where
/// two nearly equal rows would leave a large coefficient times a rounding residue (contrastive, proxy-NCA).
/// </remarks>
internal static class FusedMetricLosses
{
    /// <summary>Whether a fused loss of <paramref name="inputs"/> needs its gradient.</summary>
    public static bool WantsGradient(params Tensor[] inputs) => torch.is_grad_enabled() && inputs.Any(t => t.requires_grad);

    /// <summary>Triplet loss with its mining (see <see cref="LossFunctions.Triplet"/>), reduced by mean or sum.</summary>
    public static Tensor Triplet(Tensor embeddings, Tensor labels, double margin, TripletMining mining, Generator? generator, Reduction reduction) =>
        Run(withGradient => TripletCompute(embeddings, labels, margin, mining, generator, reduction, withGradient), embeddings);

    /// <summary>Margin loss with distance-weighted sampling (see <see cref="LossFunctions.Margin"/>), reduced by mean or sum.</summary>
    public static Tensor Margin(Tensor embeddings, Tensor labels, Tensor classBeta, double alpha, double? cutoff, Generator? generator, Reduction reduction) =>
        Run(withGradient => MarginCompute(embeddings, labels, classBeta, alpha, cutoff, generator, reduction, withGradient), embeddings, classBeta);

    /// <summary>N-pair loss with its positive draws (see <see cref="LossFunctions.NPair"/>), reduced by mean or sum.</summary>
    public static Tensor NPair(Tensor embeddings, Tensor labels, double l2Weight, Generator? generator, Reduction reduction) =>
        Run(withGradient => NPairCompute(embeddings, labels, l2Weight, generator, reduction, withGradient), embeddings);

    /// <summary>Contrastive loss over all pairs (see <see cref="LossFunctions.Contrastive"/>), reduced by mean or sum.</summary>
    public static Tensor Contrastive(Tensor embeddings, Tensor labels, double margin, Reduction reduction) =>
        Run(withGradient => ContrastiveCompute(embeddings, labels, margin, reduction, withGradient), embeddings);

    /// <summary>Proxy-NCA (see <see cref="LossFunctions.ProxyNca"/>), reduced by mean or sum.</summary>
    public static Tensor ProxyNca(Tensor embeddings, Tensor labels, Tensor proxies, Reduction reduction) =>
        Run(withGradient => ProxyNcaCompute(embeddings, labels, proxies, reduction, withGradient), embeddings, proxies);

    private static Tensor Run(Func<bool, (Tensor Loss, Tensor[] Gradients)> compute, params Tensor[] inputs)
    {
        if (WantsGradient(inputs))
        {
            return FusedLossFunction.Apply(() => compute(true), inputs);
        }

        var (loss, _) = compute(false);
        return loss;
    }

    private static (Tensor Loss, Tensor[] Gradients) TripletCompute(
        Tensor embeddings, Tensor labels, double margin, TripletMining mining, Generator? generator, Reduction reduction, bool withGradient)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (x, norm) = Normalize(embeddings.detach());
        var d = SquaredDistances(x);
        var (positives, negatives, valid) = mining switch
        {
            TripletMining.SemiHard => SemiHardMiner.MineRows(d, labels, margin, generator),
            TripletMining.BatchHard => BatchHardMiner.MineRows(d, labels),
            _ => throw new ArgumentOutOfRangeException(nameof(mining), mining, "unknown triplet mining"),
        };
        var v = valid.to(d.dtype).unsqueeze(1);
        var perRow = (d.gather(1, positives.unsqueeze(1)) - d.gather(1, negatives.unsqueeze(1))).add_(margin).relu_().mul_(v);
        var scale = Scale(v, reduction);
        var loss = perRow.sum().mul_(scale);
        if (!withGradient)
        {
            return (loss.MoveToOuterDisposeScope(), []);
        }

        // w = 2·scale on active triplets: the anchor moves by w·(x_n − x_p), the positive by −w·x_a, the negative by w·x_a.
        var w = perRow.sign_().mul_(scale).mul_(2);
        var g = ScatterPairs(x, positives, negatives, w.neg(), w);
        return (loss.MoveToOuterDisposeScope(), [NormalizeBackward(g, x, norm).MoveToOuterDisposeScope()]);
    }

    private static (Tensor Loss, Tensor[] Gradients) MarginCompute(
        Tensor embeddings, Tensor labels, Tensor classBeta, double alpha, double? cutoff, Generator? generator, Reduction reduction, bool withGradient)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (x, norm) = Normalize(embeddings.detach());
        var d = SquaredDistances(x);
        var (positives, negatives, valid) = DistanceWeightedSampler.MineRows(d, labels, (int)x.shape[1], cutoff, generator);
        var v = valid.to(d.dtype).unsqueeze(1);
        // Column 0 the positive, column 1 the negative: terms s·(d − β) + α with s = (1, −1).
        var pairs = torch.stack([positives, negatives], 1);
        var distance = d.gather(1, pairs).add_(LossFunctions.MarginDistanceEpsilon).sqrt_();
        var beta = classBeta.detach().to(x.dtype).gather(0, labels).unsqueeze(1);
        var signs = torch.tensor(new[] { 1.0, -1.0 }, dtype: x.dtype, device: x.device);
        var terms = (distance - beta).mul_(signs).add_(alpha).relu_().mul_(v);
        var active = terms.sign();
        // Wu et al. average over the terms that are active, not over all triplets.
        var scale = reduction == Reduction.Mean ? active.sum().clamp_min_(1).reciprocal_() : torch.ones(1, dtype: x.dtype).squeeze();
        var loss = terms.sum().mul_(scale);
        if (!withGradient)
        {
            return (loss.MoveToOuterDisposeScope(), []);
        }

        // Per active term, d(term)/dβ = −s and d(term)/dd = s.
        var signed = active.mul_(signs).mul_(scale);
        var betaGradient = torch.zeros(classBeta.shape[0], dtype: x.dtype, device: x.device).index_add_(0, labels, signed.sum(1).neg_(), 1);
        // d(d)/d(d²) = 1/(2d), and d² moves x_i by −2·x_j: the anchor moves by −(s/d)·x_partner for each term.
        var w = signed.div_(distance).neg_();
        var g = ScatterPairs(x, positives, negatives, w.narrow(1, 0, 1), w.narrow(1, 1, 1));
        return (loss.MoveToOuterDisposeScope(), [
            NormalizeBackward(g, x, norm).MoveToOuterDisposeScope(),
            betaGradient.to(classBeta.dtype).MoveToOuterDisposeScope(),
        ]);
    }

    private static (Tensor Loss, Tensor[] Gradients) NPairCompute(
        Tensor embeddings, Tensor labels, double l2Weight, Generator? generator, Reduction reduction, bool withGradient)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var e = embeddings.detach();
        var (positives, hasPositive) = MiningMasks.RandomPositive(ClassBlocks.Of(labels), generator);
        var other = MiningMasks.OtherClass(labels, e.dtype);
        var v = hasPositive.logical_and_(other.sum(1).gt(0)).to(e.dtype).unsqueeze(1);
        var s = e.mm(e.t());
        var p = positives.unsqueeze(1);
        // z_ik = a_i·n_k − a_i·p_i over the negatives; log(1 + Σ exp z) = m + log(e^−m + Σ exp(z − m)), m = max(0, max z).
        var z = (s - s.gather(1, p)).add_(other - 1, MiningMasks.Excluded);
        var m = z.amax([1], keepdim: true).clamp_min_(0);
        var exp = z.sub_(m).mul_(Log2E).exp2_();
        var denominator = exp.sum(1, keepdim: true).add_(m.mul(-Log2E).exp2_());
        var count = v.sum();
        var l2 = e.square().sum(1).mean().mul_(l2Weight);
        var scale = Scale(v, reduction);
        // The λ term is part of every anchor's value.
        var loss = denominator.log().add_(m).mul_(v).sum().add_(count * l2).mul_(scale);
        if (!withGradient)
        {
            return (loss.MoveToOuterDisposeScope(), []);
        }

        // dl_i/dz_ik = softmax weight of k (the 1 of log(1 + …) included in the denominator); each z_ik also
        // subtracts a_i·p_i, so the positive's column gets minus the row sum.
        var coefficients = exp.mul_(v.mul(scale).div_(denominator));
        coefficients.scatter_add_(1, p, coefficients.sum(1, keepdim: true).neg_());
        // s = e·eᵀ: d/de = (G + Gᵀ)·e; a contiguous transpose first makes the sum a streaming add.
        var g = coefficients.add_(coefficients.t().contiguous()).mm(e);
        if (l2Weight != 0)
        {
            g.add_(e * (count * scale * (2 * l2Weight / e.shape[0])));
        }

        return (loss.MoveToOuterDisposeScope(), [g.MoveToOuterDisposeScope()]);
    }

    private static (Tensor Loss, Tensor[] Gradients) ContrastiveCompute(
        Tensor embeddings, Tensor labels, double margin, Reduction reduction, bool withGradient)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var n = embeddings.shape[0];
        var (x, norm) = Normalize(embeddings.detach());
        var d2 = SquaredDistances(x);
        var other = MiningMasks.OtherClass(labels, d2.dtype);
        var same = 1 - other;
        var sameSum = same.view(-1).dot(d2.view(-1));
        // The clamp (in place, after the same-class sum) keeps 1/d finite for coincident points, where relu(m − d)
        // has no gradient anyway.
        var q = d2.clamp_min_(1e-12);
        var inverse = q.pow(-0.5);
        // −hinge = min(d − m, 0) with d = q/√q; its square is the hinge's.
        var negativeHinge = (q * inverse).sub_(margin).clamp_max_(0);
        var otherHinge = other.mul_(negativeHinge);
        // Each pair i < j appears twice in the full matrix, and the diagonal is zero (same class, d² = 0).
        var pairs = n * (n - 1) / 2;
        var scale = reduction == Reduction.Mean ? (pairs == 0 ? 0 : 0.5 / pairs) : 0.5;
        var loss = sameSum.add_(otherHinge.view(-1).dot(negativeHinge.view(-1))).mul_(scale);
        if (!withGradient)
        {
            return (loss.MoveToOuterDisposeScope(), []);
        }

        // dL/dd²_ij = scale·(y − (1 − y)·hinge/d), with no hinge gradient at the clamp. Only a pair of another class
        // within 2e-6 of coincidence can have a hinge that close to m, so the mask is built only then.
        if (margin > 0 && otherHinge.min().ToDouble() <= -(margin - 2e-6))
        {
            inverse.mul_((q - 1e-12).sign_());
        }

        var coefficients = same.addcmul_(otherHinge, inverse, 1);
        // Both orders of the pair, each d²_ij moving x_i by 2·(x_i − x_j): 4·scale·(rowsum(C)·x − C·x).
        var g = torch.addcmul(coefficients.mm(x).neg_(), x, coefficients.sum(1, keepdim: true), 1).mul_(4 * scale);
        return (loss.MoveToOuterDisposeScope(), [NormalizeBackward(g, x, norm).MoveToOuterDisposeScope()]);
    }

    private static (Tensor Loss, Tensor[] Gradients) ProxyNcaCompute(
        Tensor embeddings, Tensor labels, Tensor proxies, Reduction reduction, bool withGradient)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var n = embeddings.shape[0];
        var (xUnit, xNorm) = Normalize(embeddings.detach());
        var (pUnit, pNorm) = Normalize(proxies.detach().to(xUnit.dtype));
        var x = xUnit * LossFunctions.ProxyNcaScale;
        var p = pUnit * LossFunctions.ProxyNcaScale;
        var xx = x.square().sum(1, keepdim: true);
        var pp = p.square().sum(1).unsqueeze(0);
        var distances = torch.addmm(xx + pp, x, p.t(), beta: 1, alpha: -2).clamp_min_(0);
        var target = labels.unsqueeze(1);
        var positive = distances.gather(1, target);
        var z = distances.neg().scatter_(1, target, torch.full(target.shape, -MiningMasks.Excluded, dtype: x.dtype, device: x.device));
        var m = z.amax([1], keepdim: true);
        var exp = z.sub_(m).exp_();
        var sum = exp.sum(1, keepdim: true);
        var scale = reduction == Reduction.Mean ? (n == 0 ? 0 : 1.0 / n) : 1.0;
        var loss = (positive + m + sum.log()).sum().mul_(scale);
        if (!withGradient)
        {
            return (loss.MoveToOuterDisposeScope(), []);
        }

        // dl_i/dD_ik = [k = y_i] − softmax_k(−D_i, k ≠ y_i); D_ik moves x_i by 2·(x_i − p_k) and p_k by 2·(p_k − x_i).
        var coefficients = exp.mul_(sum.reciprocal_().mul_(-scale)).scatter_(1, target, torch.full(target.shape, scale, dtype: x.dtype, device: x.device));
        var gx = torch.addcmul(coefficients.mm(p).mul_(-2), x, coefficients.sum(1, keepdim: true).mul_(2), 1);
        var gp = torch.addcmul(coefficients.t().mm(x).mul_(-2), p, coefficients.sum(0, keepdim: true).t().mul(2), 1);
        return (loss.MoveToOuterDisposeScope(), [
            NormalizeBackward(gx.mul_(LossFunctions.ProxyNcaScale), xUnit, xNorm).MoveToOuterDisposeScope(),
            NormalizeBackward(gp.mul_(LossFunctions.ProxyNcaScale), pUnit, pNorm).to(proxies.dtype).MoveToOuterDisposeScope(),
        ]);
    }

    private static readonly double Log2E = 1.0 / Math.Log(2.0);

    /// <summary>1 / max(count of valid rows, 1) for a mean (the mean of no rows is 0), 1 for a sum, as a scalar tensor.</summary>
    private static Tensor Scale(Tensor valid, Reduction reduction) =>
        reduction == Reduction.Mean ? valid.sum().clamp_min_(1).reciprocal_() : torch.ones(1, dtype: valid.dtype, device: valid.device).squeeze();

    /// <summary>
    /// The gradient with respect to x of Σ_i wp_i·x_i·x_{p_i} + wn_i·x_i·x_{n_i}: row i gets wp_i·x_{p_i} + wn_i·x_{n_i},
    /// and rows p_i and n_i get wp_i·x_i and wn_i·x_i, accumulated with one index_add over both index sets.
    /// </summary>
    /// <param name="x">(N, D) rows.</param>
    /// <param name="positives">(N) int64 positive of each row.</param>
    /// <param name="negatives">(N) int64 negative of each row.</param>
    /// <param name="wp">(N, 1) weights of the positive products.</param>
    /// <param name="wn">(N, 1) weights of the negative products.</param>
    private static Tensor ScatterPairs(Tensor x, Tensor positives, Tensor negatives, Tensor wp, Tensor wn)
    {
        var n = x.shape[0];
        var pairs = torch.cat([positives, negatives]);
        var weights = torch.cat([wp, wn]);
        var partners = x.index_select(0, pairs).mul_(weights);
        var g = partners.narrow(0, 0, n).add_(partners.narrow(0, n, n));
        return g.index_add_(0, pairs, x.repeat(2, 1).mul_(weights), 1);
    }

    /// <summary>x = e / max(‖e‖, 1e-12) per row, as <c>nn.functional.normalize</c>, and the (N, 1) denominators.</summary>
    private static (Tensor X, Tensor Norm) Normalize(Tensor e)
    {
        var norm = e.norm(1, keepdim: true).clamp_min_(1e-12);
        return (e / norm, norm);
    }

    /// <summary>The gradient with respect to e from the gradient g with respect to x = e / ‖e‖: (g − x·(x·g)) / ‖e‖.</summary>
    private static Tensor NormalizeBackward(Tensor g, Tensor x, Tensor norm) =>
        g.addcmul_(x, (x * g).sum(1, keepdim: true), -1).div_(norm);

    /// <summary>(N, N) squared distances between the rows of x, clamped at zero against rounding, with a zero diagonal.</summary>
    private static Tensor SquaredDistances(Tensor x)
    {
        var xx = x.square().sum(1, keepdim: true);
        var d = torch.addmm(xx + xx.t(), x, x.t(), beta: 1, alpha: -2).clamp_min_(0);
        d.diagonal().fill_(0);
        return d;
    }
}
