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
    private static readonly double Log2E = 1.0 / Math.Log(2.0);

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
        var saved = ctx.get_saved_variables()[0];
        var reduction = (Reduction)ctx.get_data(ReductionKey);
        if (reduction != Reduction.None && grad_output.device_type == DeviceType.CPU && grad_output.ToDouble() == 1.0)
        {
            // The loss ends the graph (upstream gradient exactly 1): the saved gradient is the answer. Reading the
            // value is free on the CPU; on a GPU it would wait for the device, so there the multiply runs.
            return [saved, null!, null!, null!, null!, null!];
        }

        using (saved)
        {
            var gradient = reduction == Reduction.None ? saved * grad_output.unsqueeze(1) : saved * grad_output;
            return [gradient, null!, null!, null!, null!, null!];
        }
    }

    /// <summary>
    /// The reduced loss and, if <paramref name="withGradient"/>, d(loss)/d(logits) for an upstream gradient of 1
    /// (per sample for <see cref="Reduction.None"/>).
    /// </summary>
    /// <remarks>
    /// At the sizes of a classifier head (e.g. 256 × 100) each libtorch call costs about as much as its arithmetic,
    /// so the work is a fixed, short list of calls: five over (N, C) besides the softmax scaling (log_softmax, then in
    /// place exp2 after a multiply, scatter, multiply) and about ten over (N, 1); intermediates are reused in place.
    /// </remarks>
    internal static (Tensor Loss, Tensor? Gradient) Compute(
        Tensor logits, Tensor labels, double beta, double gamma, Tensor? alpha, Reduction reduction, bool withGradient)
    {
        using var scope = NewDisposeScope();
        var logP = nn.functional.log_softmax(beta == 1.0 ? logits : logits.mul(beta), 1);
        var target = labels.unsqueeze(1);
        // Per-sample values stay (N, 1) so they broadcast against (N, C) without reshaping.
        var logPt = logP.gather(1, target);
        // p_t − 1 from expm1 keeps its relative precision when p_t is close to 1.
        var ptMinusOne = logPt.expm1();
        // gamma = 0 skips the focusing factor, so that case is cross-entropy exactly.
        var focal = gamma == 0.0 ? null : ptMinusOne.neg().pow_(gamma);
        var negLogPt = logPt.neg_();
        var focalLoss = focal?.mul(negLogPt);
        var alphaT = alpha?.gather(0, labels).unsqueeze(1);
        var perSample = focalLoss ?? negLogPt;
        if (alphaT is not null)
        {
            perSample = perSample.mul(alphaT);
        }

        var loss = LossFunctions.Reduce(reduction == Reduction.None ? perSample.squeeze(1) : perSample, reduction);
        if (!withGradient)
        {
            return (loss.MoveToOuterDisposeScope(), null);
        }

        // dl_i/dz_j = c_i (δ_{j,y_i} − p_j), c_i = beta·alpha_{y_i}·[γ p_t (1−p_t)^(γ−1) log p_t − (1−p_t)^γ],
        // computed as (p − δ)·(−c_i). The mean's 1/N is folded into the scale s, so the backward pass is at most one
        // multiplication. p − δ is p in place with p_t − 1 from expm1 written at the label.
        var scale = reduction == Reduction.Mean && logits.shape[0] > 0 ? beta / logits.shape[0] : beta;
        // exp(log p) as exp2(log p · log2 e): libtorch's exp goes through MKL's high-accuracy vector exp, about 4× slower
        // than its exp2 here; the product's rounding changes p by a relative ~1e-7·|log p|.
        var gradient = logP.mul_(Log2E).exp2_().scatter_(1, target, ptMinusOne);
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
            // focal and m are not needed after this, so they are scaled and exponentiated in place.
            var negCoefficient = torch.addcdiv(focal.mul_(scale), focalLoss!, negLogPt.expm1_(), gamma * scale).nan_to_num_(nan: 0.0);
            gradient.mul_(alphaT is null ? negCoefficient : negCoefficient.mul_(alphaT));
        }

        return (loss.MoveToOuterDisposeScope(), gradient.MoveToOuterDisposeScope());
    }
}
