using TorchSharp;
using static TorchSharp.torch;

static class Lin
{
    public static Tensor Improved(Tensor logits, Tensor labels, double beta, double gamma)
    {
        using var scope = NewDisposeScope();
        var scaled = beta == 1.0 ? logits : logits.mul(beta);
        var ce = nn.functional.cross_entropy(scaled, labels, reduction: nn.Reduction.None);
        Tensor weights, loss;
        using (torch.no_grad())
        {
            var m = ce.detach();                  // −log p_t
            var ptMinusOne = m.neg().expm1();
            var focal = ptMinusOne.neg_().pow_(gamma);
            var focalLoss = focal.mul(m);
            loss = focalLoss.mean();
            var s = 1.0 / logits.shape[0];
            weights = torch.addcdiv(focal.mul_(s), focalLoss, m.expm1(), gamma * s).nan_to_num_(nan: 0.0);
        }
        var surrogate = torch.dot(ce, weights);
        return surrogate.add((loss - surrogate).detach()).MoveToOuterDisposeScope();
    }
}
