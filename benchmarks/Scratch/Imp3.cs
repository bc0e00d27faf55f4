using TorchSharp;
using static TorchSharp.torch;
using LossLab.Losses;

sealed class Imp3 : autograd.SingleTensorFunction<Imp3>
{
    public override string Name => "Imp3";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (loss, gradient) = Compute((Tensor)vars[0], (Tensor)vars[1], (double)vars[2], (double)vars[3]);
        ctx.save_for_backward([gradient]);
        return loss;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var saved = ctx.get_saved_variables()[0];
        if (grad_output.device_type == DeviceType.CPU && grad_output.item<float>() == 1f)
        {
            return [saved, null!, null!, null!];
        }
        return [saved.mul(grad_output), null!, null!, null!];
    }

    public static (Tensor, Tensor) Compute(Tensor logits, Tensor labels, double beta, double gamma)
    {
        using var scope = NewDisposeScope();
        var scaled = logits.mul(beta);
        var logP = nn.functional.log_softmax(scaled, 1);
        var target = labels.unsqueeze(1);
        var logPt = logP.gather(1, target);
        var ptMinusOne = logPt.expm1();
        var focal = ptMinusOne.neg().pow_(gamma);
        var m = logPt.neg_();
        var focalLoss = focal.mul(m);
        var loss = focalLoss.mean();
        var scale = beta / logits.shape[0];
        var negCoefficient = torch.addcdiv(focal.mul_(scale), focalLoss, m.expm1_(), gamma * scale).nan_to_num_(nan: 0.0);
        var gradient = nn.functional.softmax(scaled, 1).scatter_(1, target, ptMinusOne).mul_(negCoefficient);
        return (loss.MoveToOuterDisposeScope(), gradient.MoveToOuterDisposeScope());
    }
}
