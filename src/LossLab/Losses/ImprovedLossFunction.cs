using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses;

/// <summary>
/// The improved loss (SPEC §1) as one fused autograd node. The forward pass computes log p_t with log_softmax,
/// the per-sample loss and, when a gradient is wanted, the analytic logit gradient of the reduced loss, which it
/// saves; the backward pass only scales that gradient by the upstream gradient.
/// </summary>
/// <remarks>
/// Arguments of <c>apply</c>: logits (N, C), labels (N) int64, beta (double), gamma (double), alpha ((C) tensor in the
/// logits' dtype and device, or null), <see cref="Reduction"/>. Checks are done by <see cref="LossFunctions.Improved"/>.
/// </remarks>
internal sealed class ImprovedLossFunction : autograd.SingleTensorFunction<ImprovedLossFunction>
{
    private const string ReductionKey = "reduction";

    /// <inheritdoc />
    public override string Name => "ImprovedLoss";

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var logits = (Tensor)vars[0];
        var labels = (Tensor)vars[1];
        var beta = (double)vars[2];
        var gamma = (double)vars[3];
        var alpha = (Tensor?)vars[4];
        var reduction = (Reduction)vars[5];
        var (loss, gradient) = Compute(logits, labels, beta, gamma, alpha, reduction, withGradient: true);
        ctx.save_for_backward([gradient!]);
        ctx.save_data(ReductionKey, reduction);
        return loss;
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        using var saved = ctx.get_saved_variables()[0];
        var reduction = (Reduction)ctx.get_data(ReductionKey);
        var gradient = reduction == Reduction.None ? saved * grad_output.unsqueeze(1) : saved * grad_output;
        return [gradient, null!, null!, null!, null!, null!];
    }

    /// <summary>
    /// The reduced loss and, if <paramref name="withGradient"/>, d(loss)/d(logits) for an upstream gradient of 1
    /// (per sample for <see cref="Reduction.None"/>).
    /// </summary>
    internal static (Tensor Loss, Tensor? Gradient) Compute(
        Tensor logits, Tensor labels, double beta, double gamma, Tensor? alpha, Reduction reduction, bool withGradient)
    {
        using var scope = NewDisposeScope();
        var scaled = beta == 1.0 ? logits : logits * beta;
        var logP = nn.functional.log_softmax(scaled, 1);
        var target = labels.unsqueeze(1);
        var logPt = logP.gather(1, target).squeeze(1);
        // 1 − p_t from expm1 keeps its relative precision when p_t is close to 1.
        var oneMinusPt = logPt.expm1().neg_();
        var alphaT = alpha?.gather(0, labels);

        // gamma = 0 skips the focusing factor, so that case is cross-entropy exactly.
        var focal = gamma == 0.0 ? null : oneMinusPt.pow(gamma);
        var perSample = focal is null ? logPt.neg() : (focal * logPt).neg_();
        if (alphaT is not null)
        {
            perSample.mul_(alphaT);
        }

        var loss = LossFunctions.Reduce(perSample, reduction);
        if (!withGradient)
        {
            return (loss.MoveToOuterDisposeScope(), null);
        }

        // dl_i/dz_j = c_i (δ_{j,y_i} − p_j), c_i = beta·alpha_{y_i}·[γ p_t (1−p_t)^(γ−1) log p_t − (1−p_t)^γ].
        // The bracket is rewritten (1−p_t)^γ·(γ·p_t·r − 1) with r = log p_t / (1 − p_t): no negative power, so it
        // stays finite for 0 < γ < 1 as p_t → 1, where r → −1 (used once 1 − p_t underflows to zero).
        Tensor coefficient;
        if (focal is null)
        {
            coefficient = alphaT is null ? torch.full_like(logPt, -beta) : alphaT * -beta;
        }
        else
        {
            var ratio = torch.where(oneMinusPt.gt(0), logPt / oneMinusPt, torch.full_like(logPt, -1.0));
            var bracket = ((logPt.exp() * ratio).mul_(gamma).sub_(1.0)).mul_(focal);
            coefficient = alphaT is null ? bracket.mul_(beta) : bracket.mul_(alphaT).mul_(beta);
        }

        if (reduction == Reduction.Mean && logits.shape[0] > 0)
        {
            coefficient.div_(logits.shape[0]);
        }

        var c = coefficient.unsqueeze(1);
        var gradient = logP.exp().mul_(c.neg()).scatter_add_(1, target, c);
        return (loss.MoveToOuterDisposeScope(), gradient.MoveToOuterDisposeScope());
    }
}
