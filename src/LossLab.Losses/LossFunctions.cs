using LossLab.Losses.Mining;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses;

/// <summary>
/// Functional forms of every LossLab loss (SPEC §1–2). Each computes one value per sample (or per triplet or pair)
/// and then applies <see cref="Reduce"/>. Metric losses take unnormalised (N, D) embeddings and normalise them
/// where their definition says so. The metric losses mine or draw their pairs with the public miners
/// (namespace <c>LossLab.Losses.Mining</c>) on detached distances, then compute the loss on those indices with autograd ops.
/// </summary>
public static class LossFunctions
{
    /// <summary>Distances are sqrt(‖·‖² + 1e-8) in the margin loss, keeping the gradient finite at zero distance.</summary>
    public const double MarginDistanceEpsilon = 1e-8;

    /// <summary>Scale of the normalised embeddings and proxies in proxy-NCA.</summary>
    public const double ProxyNcaScale = 3.0;

    /// <summary>Combines per-sample losses: mean, sum or none. The mean of an empty set is 0 (e.g. a batch with no valid triplet).</summary>
    /// <param name="perSample">(M) per-sample losses.</param>
    /// <param name="reduction">How to combine them.</param>
    /// <returns>A scalar, or <paramref name="perSample"/> itself for <see cref="Reduction.None"/>.</returns>
    public static Tensor Reduce(Tensor perSample, Reduction reduction)
    {
        ArgumentNullException.ThrowIfNull(perSample);
        return reduction switch
        {
            // sum() of an empty tensor is 0 and stays connected to the graph, where mean() would give NaN.
            Reduction.Mean => perSample.numel() == 0 ? perSample.sum() : perSample.mean(),
            Reduction.Sum => perSample.sum(),
            Reduction.None => perSample,
            _ => throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "unknown reduction"),
        };
    }

    /// <summary>
    /// The improved loss (SPEC §1): l_i = −alpha[y_i]·(1 − p_t)^gamma·log p_t with p = softmax(beta·z), as one fused
    /// autograd node with the analytic gradient. beta = 1, gamma = 0 is cross-entropy; beta = 1 is the focal loss.
    /// </summary>
    /// <param name="logits">(N, C) logits z, float32 or float64.</param>
    /// <param name="labels">(N) int64 labels in [0, C).</param>
    /// <param name="beta">Softmax scale, &gt; 0 (the paper's best: 4).</param>
    /// <param name="gamma">Focusing exponent, ≥ 0 (the paper's best: 5 on CIFAR-10, 10 on Fashion-MNIST).</param>
    /// <param name="alpha">Optional (C) per-class weights; null for 1.</param>
    /// <param name="reduction">Mean (default), sum or none.</param>
    /// <returns>The reduced loss, or (N) per-sample losses.</returns>
    public static Tensor Improved(Tensor logits, Tensor labels, double beta, double gamma, Tensor? alpha = null, Reduction reduction = Reduction.Mean)
    {
        LossChecks.InputAndLabels(logits, labels, nameof(logits));
        LossChecks.LabelsInRange(labels, logits.shape[1]);
        if (!(beta > 0) || double.IsInfinity(beta))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be a finite number > 0");
        }

        if (!(gamma >= 0) || double.IsInfinity(gamma))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be a finite number ≥ 0");
        }

        using var scope = NewDisposeScope();
        Tensor? classWeights = null;
        if (alpha is not null)
        {
            if (alpha.dim() != 1 || alpha.shape[0] != logits.shape[1])
            {
                throw new ArgumentException($"alpha must have shape ({logits.shape[1]}), got ({string.Join(", ", alpha.shape)})", nameof(alpha));
            }

            classWeights = alpha.detach().to(logits.dtype, logits.device);
        }

        if (logits.requires_grad && torch.is_grad_enabled())
        {
            return ImprovedLossFunction.apply(logits, labels, beta, gamma, classWeights!, reduction).MoveToOuterDisposeScope();
        }

        // No gradient wanted: skip the autograd node and the gradient computation.
        var (loss, _) = ImprovedLossFunction.Compute(logits, labels, beta, gamma, classWeights, reduction, withGradient: false);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>The softmax focal loss (Lin et al. 2017): the improved loss with beta = 1.</summary>
    /// <param name="logits">(N, C) logits.</param>
    /// <param name="labels">(N) int64 labels.</param>
    /// <param name="gamma">Focusing exponent, ≥ 0 (default 2).</param>
    /// <param name="alpha">Optional (C) per-class weights.</param>
    /// <param name="reduction">Mean (default), sum or none.</param>
    public static Tensor Focal(Tensor logits, Tensor labels, double gamma = 2.0, Tensor? alpha = null, Reduction reduction = Reduction.Mean) =>
        Improved(logits, labels, 1.0, gamma, alpha, reduction);

    /// <summary>Softmax cross-entropy, optionally with label smoothing.</summary>
    /// <param name="logits">(N, C) logits.</param>
    /// <param name="labels">(N) int64 labels.</param>
    /// <param name="labelSmoothing">Label smoothing in [0, 1) (default 0).</param>
    /// <param name="reduction">Mean (default), sum or none.</param>
    public static Tensor CrossEntropy(Tensor logits, Tensor labels, double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean)
    {
        LossChecks.InputAndLabels(logits, labels, nameof(logits));
        if (!(labelSmoothing >= 0 && labelSmoothing < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "label smoothing must be in [0, 1)");
        }

        if (logits.shape[0] > 0 && reduction != Reduction.None)
        {
            // libtorch's own reduction: one native op forward and backward instead of a second autograd node.
            return nn.functional.cross_entropy(logits, labels, reduction: reduction == Reduction.Mean ? nn.Reduction.Mean : nn.Reduction.Sum, label_smoothing: labelSmoothing);
        }

        using var scope = NewDisposeScope();
        var perSample = nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.None, label_smoothing: labelSmoothing);
        return Reduce(perSample, reduction).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Triplet loss relu(‖a − p‖² − ‖a − n‖² + margin) on L2-normalised embeddings, one mined triplet per anchor.
    /// </summary>
    /// <param name="embeddings">(N, D) embeddings, unnormalised.</param>
    /// <param name="labels">(N) int64 labels.</param>
    /// <param name="margin">Margin m ≥ 0 (default 0.2).</param>
    /// <param name="mining">Semi-hard (default) or batch-hard.</param>
    /// <param name="generator">Seeded CPU generator for the random draws of semi-hard mining, or null for the default generator.</param>
    /// <param name="reduction">Mean over triplets (default), sum or none ((M) per triplet).</param>
    public static Tensor Triplet(
        Tensor embeddings, Tensor labels, double margin = 0.2, TripletMining mining = TripletMining.SemiHard,
        Generator? generator = null, Reduction reduction = Reduction.Mean)
    {
        LossChecks.InputAndLabels(embeddings, labels, nameof(embeddings));
        ArgumentOutOfRangeException.ThrowIfNegative(margin);
        if (!Enum.IsDefined(mining))
        {
            throw new ArgumentOutOfRangeException(nameof(mining), mining, "unknown triplet mining");
        }

        using var scope = NewDisposeScope();
        Tensor distances;
        using (torch.no_grad())
        {
            distances = PairwiseDistances.Squared(nn.functional.normalize(embeddings.detach(), dim: 1));
        }

        using var triplets = mining switch
        {
            TripletMining.SemiHard => SemiHardMiner.Mine(distances, labels, margin, generator),
            TripletMining.BatchHard => BatchHardMiner.Mine(distances, labels),
            _ => throw new ArgumentOutOfRangeException(nameof(mining), mining, "unknown triplet mining"),
        };
        return TripletFromIndices(embeddings, triplets.Anchors, triplets.Positives, triplets.Negatives, margin, reduction)
            .MoveToOuterDisposeScope();
    }

    /// <summary>Triplet loss on given triplets (the loss of <see cref="Triplet"/> without its mining).</summary>
    /// <param name="embeddings">(N, D) embeddings, unnormalised.</param>
    /// <param name="anchors">(M) int64 anchor rows.</param>
    /// <param name="positives">(M) int64 positive rows.</param>
    /// <param name="negatives">(M) int64 negative rows.</param>
    /// <param name="margin">Margin m ≥ 0 (default 0.2).</param>
    /// <param name="reduction">Mean over triplets (default), sum or none.</param>
    public static Tensor TripletFromIndices(
        Tensor embeddings, Tensor anchors, Tensor positives, Tensor negatives, double margin = 0.2, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        LossChecks.Indices((anchors, nameof(anchors)), (positives, nameof(positives)), (negatives, nameof(negatives)));
        ArgumentOutOfRangeException.ThrowIfNegative(margin);
        using var scope = NewDisposeScope();
        var x = nn.functional.normalize(embeddings, dim: 1);
        var a = x.index_select(0, anchors);
        var dap = (a - x.index_select(0, positives)).pow(2).sum(1);
        var dan = (a - x.index_select(0, negatives)).pow(2).sum(1);
        var perTriplet = (dap - dan + margin).relu();
        return Reduce(perTriplet, reduction).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Margin loss (Wu et al. 2017): relu(d_ap − β_y + α) + relu(β_y − d_an + α) with d = sqrt(‖·‖² + 1e-8) on
    /// L2-normalised embeddings, a random positive and a distance-weighted negative per anchor.
    /// The mean is the sum over triplets divided by the number of nonzero terms (positive and negative terms counted apart).
    /// </summary>
    /// <param name="embeddings">(N, D) embeddings, unnormalised.</param>
    /// <param name="labels">(N) int64 labels in [0, C).</param>
    /// <param name="classBeta">(C) learnable boundaries β, one per class (initially 1.2).</param>
    /// <param name="alpha">Margin α ≥ 0 around the boundary (default 0.2).</param>
    /// <param name="distanceCutoff">Sample no negative at d ≥ 1.4 (default false).</param>
    /// <param name="generator">Seeded CPU generator for the draws, or null for the default generator.</param>
    /// <param name="reduction">Mean as above (default), sum, or none ((M) per triplet).</param>
    public static Tensor Margin(
        Tensor embeddings, Tensor labels, Tensor classBeta, double alpha = 0.2, bool distanceCutoff = false,
        Generator? generator = null, Reduction reduction = Reduction.Mean)
    {
        LossChecks.InputAndLabels(embeddings, labels, nameof(embeddings));
        CheckClassBeta(classBeta);
        ArgumentOutOfRangeException.ThrowIfNegative(alpha);
        var cutoff = distanceCutoff ? DistanceWeightedSampler.DefaultCutoff : (double?)null;
        using var scope = NewDisposeScope();
        Tensor distances;
        using (torch.no_grad())
        {
            distances = PairwiseDistances.Euclidean(nn.functional.normalize(embeddings.detach(), dim: 1), MarginDistanceEpsilon);
        }

        using var triplets = DistanceWeightedSampler.Mine(
            distances, labels, (int)embeddings.shape[1], cutoff, generator);
        return MarginFromIndices(embeddings, labels, classBeta, triplets.Anchors, triplets.Positives, triplets.Negatives, alpha, reduction)
            .MoveToOuterDisposeScope();
    }

    /// <summary>Margin loss on given triplets (the loss of <see cref="Margin"/> without its sampling).</summary>
    /// <param name="embeddings">(N, D) embeddings, unnormalised.</param>
    /// <param name="labels">(N) int64 labels; β is taken for the anchor's class.</param>
    /// <param name="classBeta">(C) per-class boundaries β.</param>
    /// <param name="anchors">(M) int64 anchor rows.</param>
    /// <param name="positives">(M) int64 positive rows.</param>
    /// <param name="negatives">(M) int64 negative rows.</param>
    /// <param name="alpha">Margin α ≥ 0 (default 0.2).</param>
    /// <param name="reduction">Mean over nonzero terms (default), sum, or none.</param>
    public static Tensor MarginFromIndices(
        Tensor embeddings, Tensor labels, Tensor classBeta, Tensor anchors, Tensor positives, Tensor negatives,
        double alpha = 0.2, Reduction reduction = Reduction.Mean)
    {
        LossChecks.InputAndLabels(embeddings, labels, nameof(embeddings));
        CheckClassBeta(classBeta);
        LossChecks.Indices((anchors, nameof(anchors)), (positives, nameof(positives)), (negatives, nameof(negatives)));
        ArgumentOutOfRangeException.ThrowIfNegative(alpha);
        using var scope = NewDisposeScope();
        var x = nn.functional.normalize(embeddings, dim: 1);
        var a = x.index_select(0, anchors);
        var dap = ((a - x.index_select(0, positives)).pow(2).sum(1) + MarginDistanceEpsilon).sqrt();
        var dan = ((a - x.index_select(0, negatives)).pow(2).sum(1) + MarginDistanceEpsilon).sqrt();
        var beta = classBeta.index_select(0, labels.index_select(0, anchors)).to(x.dtype);
        var positiveTerm = (dap - beta + alpha).relu();
        var negativeTerm = (beta - dan + alpha).relu();
        var perTriplet = positiveTerm + negativeTerm;
        if (reduction != Reduction.Mean)
        {
            return Reduce(perTriplet, reduction).MoveToOuterDisposeScope();
        }

        // Wu et al. average over the terms that are active, not over all triplets.
        var active = positiveTerm.gt(0).sum() + negativeTerm.gt(0).sum();
        return (perTriplet.sum() / active.clamp_min(1).to(x.dtype)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Proxy-NCA (Movshovitz-Attias et al. 2017): x and proxies L2-normalised and scaled by 3, then per sample
    /// ‖x_i − P_{y_i}‖² + logsumexp_{k≠y_i}(−‖x_i − P_k‖²).
    /// </summary>
    /// <param name="embeddings">(N, D) embeddings, unnormalised.</param>
    /// <param name="labels">(N) int64 labels in [0, C).</param>
    /// <param name="proxies">(C, D) learnable proxies, one per class, C ≥ 2.</param>
    /// <param name="reduction">Mean (default), sum or none.</param>
    public static Tensor ProxyNca(Tensor embeddings, Tensor labels, Tensor proxies, Reduction reduction = Reduction.Mean)
    {
        LossChecks.InputAndLabels(embeddings, labels, nameof(embeddings));
        ArgumentNullException.ThrowIfNull(proxies);
        if (proxies.dim() != 2 || proxies.shape[1] != embeddings.shape[1] || proxies.shape[0] < 2)
        {
            throw new ArgumentException(
                $"proxies must be (C ≥ 2, {embeddings.shape[1]}), got ({string.Join(", ", proxies.shape)})", nameof(proxies));
        }

        using var scope = NewDisposeScope();
        var x = nn.functional.normalize(embeddings, dim: 1) * ProxyNcaScale;
        var p = nn.functional.normalize(proxies, dim: 1).to(x.dtype) * ProxyNcaScale;
        var distances = PairwiseDistances.SquaredBetween(x, p);
        var target = labels.unsqueeze(1);
        var own = torch.zeros_like(distances).scatter_(1, target, torch.ones_like(target, dtype: distances.dtype));
        var positive = distances.gather(1, target).squeeze(1);
        var negative = distances.neg().add_(own, -MiningMasks.Excluded).logsumexp(1);
        return Reduce(positive + negative, reduction).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// N-pair loss (Sohn 2016) on unnormalised embeddings: every sample with a same-class partner is an anchor with one
    /// random positive p; all other-class samples n_k are negatives;
    /// l = log(1 + Σ_k exp(a·n_k − a·p)) + λ·mean_i ‖x_i‖².
    /// </summary>
    /// <param name="embeddings">(N, D) embeddings, used unnormalised.</param>
    /// <param name="labels">(N) int64 labels.</param>
    /// <param name="l2Weight">λ ≥ 0 (default 0.005).</param>
    /// <param name="generator">Seeded CPU generator for the positive draws, or null for the default generator.</param>
    /// <param name="reduction">Mean over anchors (default), sum or none ((M) per anchor).</param>
    public static Tensor NPair(
        Tensor embeddings, Tensor labels, double l2Weight = 0.005, Generator? generator = null, Reduction reduction = Reduction.Mean)
    {
        LossChecks.InputAndLabels(embeddings, labels, nameof(embeddings));
        ArgumentOutOfRangeException.ThrowIfNegative(l2Weight);
        using var scope = NewDisposeScope();
        Tensor anchors, positives;
        using (torch.no_grad())
        {
            var (choice, hasPositive) = MiningMasks.RandomPositive(labels, generator);
            var hasNegative = MiningMasks.OtherClass(labels, embeddings.dtype).sum(1).gt(0);
            anchors = hasPositive.logical_and_(hasNegative).nonzero().squeeze(1);
            positives = choice.index_select(0, anchors);
        }

        return NPairFromIndices(embeddings, labels, anchors, positives, l2Weight, reduction).MoveToOuterDisposeScope();
    }

    /// <summary>N-pair loss on given (anchor, positive) pairs (the loss of <see cref="NPair"/> without its draws).</summary>
    /// <param name="embeddings">(N, D) embeddings, used unnormalised.</param>
    /// <param name="labels">(N) int64 labels; negatives are all samples of another class than the anchor.</param>
    /// <param name="anchors">(M) int64 anchor rows.</param>
    /// <param name="positives">(M) int64 positive rows.</param>
    /// <param name="l2Weight">λ ≥ 0 (default 0.005).</param>
    /// <param name="reduction">Mean over anchors (default), sum or none. The λ term is added to every anchor's value.</param>
    public static Tensor NPairFromIndices(
        Tensor embeddings, Tensor labels, Tensor anchors, Tensor positives, double l2Weight = 0.005, Reduction reduction = Reduction.Mean)
    {
        LossChecks.InputAndLabels(embeddings, labels, nameof(embeddings));
        LossChecks.Indices((anchors, nameof(anchors)), (positives, nameof(positives)));
        ArgumentOutOfRangeException.ThrowIfNegative(l2Weight);
        using var scope = NewDisposeScope();
        var a = embeddings.index_select(0, anchors);
        var anchorPositive = (a * embeddings.index_select(0, positives)).sum(1, keepdim: true);
        var differences = a.mm(embeddings.t()) - anchorPositive;
        var notNegative = labels.index_select(0, anchors).unsqueeze(1).eq(labels.unsqueeze(0)).to(differences.dtype);
        // log(1 + Σ exp(s)) as a logsumexp with a zero column: stable, and exactly 0 when an anchor has no negative.
        var withOne = torch.cat([torch.zeros_like(anchorPositive), differences.add_(notNegative, -MiningMasks.Excluded)], 1);
        var perAnchor = withOne.logsumexp(1) + (embeddings.pow(2).sum(1).mean() * l2Weight);
        return Reduce(perAnchor, reduction).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Contrastive loss (Hadsell et al. 2006) over all pairs i &lt; j of L2-normalised embeddings:
    /// y·d² + (1 − y)·relu(margin − d)², y = 1 for a same-class pair.
    /// </summary>
    /// <param name="embeddings">(N, D) embeddings, unnormalised.</param>
    /// <param name="labels">(N) int64 labels.</param>
    /// <param name="margin">Margin m ≥ 0 for negative pairs (default 1.0).</param>
    /// <param name="reduction">Mean over the N(N − 1)/2 pairs (default), sum or none.</param>
    public static Tensor Contrastive(Tensor embeddings, Tensor labels, double margin = 1.0, Reduction reduction = Reduction.Mean)
    {
        LossChecks.InputAndLabels(embeddings, labels, nameof(embeddings));
        ArgumentOutOfRangeException.ThrowIfNegative(margin);
        using var scope = NewDisposeScope();
        var n = embeddings.shape[0];
        var x = nn.functional.normalize(embeddings, dim: 1);
        var pairs = torch.triu_indices(n, n, 1, device: x.device);
        var (i, j) = (pairs[0], pairs[1]);
        var squared = PairwiseDistances.Squared(x).flatten().index_select(0, (i * n) + j);
        var same = labels.index_select(0, i).eq(labels.index_select(0, j)).to(x.dtype);
        // The clamp keeps the root's gradient finite for coincident points (where relu(m − d) has no gradient anyway).
        var hinge = (margin - squared.clamp_min(1e-12).sqrt()).relu_();
        // Arithmetic instead of where(): y·d² + (1 − y)·hinge².
        var perPair = torch.addcmul(squared * same, hinge * hinge, 1 - same, 1);
        return Reduce(perPair, reduction).MoveToOuterDisposeScope();
    }

    private static void CheckClassBeta(Tensor classBeta)
    {
        ArgumentNullException.ThrowIfNull(classBeta);
        if (classBeta.dim() != 1)
        {
            throw new ArgumentException($"classBeta must be 1-D (C), got {classBeta.dim()}-D", nameof(classBeta));
        }
    }
}
