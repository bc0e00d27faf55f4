using TorchSharp;
using static TorchSharp.torch;
using LossLab.Losses;

sealed class Imp2 : autograd.SingleTensorFunction<Imp2>
{
    public override string Name => "Imp2";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var logits = (Tensor)vars[0];
        var labels = (Tensor)vars[1];
        var beta = (double)vars[2];
        var gamma = (double)vars[3];
        var (loss, gradient) = Compute(logits, labels, beta, gamma);
        ctx.save_for_backward([gradient]);
        return loss;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var saved = ctx.get_saved_variables()[0];
        return [saved.mul_(grad_output), null!, null!, null!];
    }

    public static (Tensor, Tensor) Compute(Tensor logits, Tensor labels, double beta, double gamma)
    {
        using var scope = NewDisposeScope();
        var logP = nn.functional.log_softmax(logits.mul(beta), 1);
        var target = labels.unsqueeze(1);
        var logPt = logP.gather(1, target);
        var m = logPt.neg();
        var ptMinusOne = logPt.expm1();
        var focal = ptMinusOne.neg().pow_(gamma);
        var focalLoss = focal.mul(m);
        var loss = focalLoss.mean();
        var scale = beta / logits.shape[0];
        var negCoefficient = torch.addcdiv(focal.mul_(scale), focalLoss, m.expm1_(), gamma * scale).nan_to_num_(nan: 0.0);
        var gradient = logP.exp_().scatter_(1, target, ptMinusOne).mul_(negCoefficient);
        return (loss.MoveToOuterDisposeScope(), gradient.MoveToOuterDisposeScope());
    }
}
