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
        // Per-sample values stay (N, 1) so they broadcast against (N, C) without reshaping.
        var logPt = logP.gather(1, target);
        var negLogPt = logPt.neg();
        // p_t − 1 from expm1 keeps its relative precision when p_t is close to 1.
        var ptMinusOne = logPt.expm1();
        var alphaT = alpha?.gather(0, labels).unsqueeze(1);

        // gamma = 0 skips the focusing factor, so that case is cross-entropy exactly.
        var focal = gamma == 0.0 ? null : ptMinusOne.neg().pow_(gamma);
        var focalLoss = focal is null ? null : focal * negLogPt;
        var perSample = focalLoss ?? negLogPt;
        if (alphaT is not null)
        {
            perSample = perSample * alphaT;
        }

        var loss = LossFunctions.Reduce(reduction == Reduction.None ? perSample.squeeze(1) : perSample, reduction);
        if (!withGradient)
        {
            return (loss.MoveToOuterDisposeScope(), null);
        }

        // dl_i/dz_j = c_i (δ_{j,y_i} − p_j), c_i = beta·alpha_{y_i}·[γ p_t (1−p_t)^(γ−1) log p_t − (1−p_t)^γ],
        // computed as (p − δ)·(−c_i). The mean's 1/N is folded into the scale s, so the backward pass is one multiplication.
        // p − δ is exp(log p) in place (a temporary here) with p_t − 1 from expm1 written at the label.
        var scale = reduction == Reduction.Mean && logits.shape[0] > 0 ? beta / logits.shape[0] : beta;
        var gradient = logP.exp_().scatter_(1, target, ptMinusOne);
        if (focal is null)
        {
            // gamma = 0: −c_i = beta·alpha_{y_i}, the cross-entropy gradient.
            if (alphaT is null)
            {
                gradient.mul_(scale);
            }
            else
            {
                gradient.mul_(alphaT * scale);
            }
        }
        else
        {
            // −c_i = s·alpha·(1−p_t)^γ·(1 + γ·q) with q = −p_t·log p_t / (1 − p_t) = m / expm1(m), m = −log p_t,
            // formed as s·focal + γ·s·(focal·m) / expm1(m) from the per-sample loss focal·m. No negative power of
            // (1 − p_t) appears, so the gradient stays finite for 0 < γ < 1 as p_t → 1; 0/0 happens only once m
            // underflows to zero, where the focal factor and so −c_i are zero. As p_t → 0, expm1(m) → ∞ and q → 0.
            var negCoefficient = torch.addcdiv(focal * scale, focalLoss!, negLogPt.expm1(), gamma * scale).nan_to_num_(nan: 0.0);
            gradient.mul_(alphaT is null ? negCoefficient : negCoefficient.mul_(alphaT));
        }

        return (loss.MoveToOuterDisposeScope(), gradient.MoveToOuterDisposeScope());
    }
}
