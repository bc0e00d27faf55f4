using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses;

/// <summary>
/// A reduced loss with an analytic gradient as one autograd node: the forward pass computes the scalar loss and its
/// gradient with respect to every differentiable input, and saves the gradients; the backward pass only scales them.
/// At the batch sizes of metric learning each recorded libtorch op costs several microseconds forward and backward,
/// so a loss of twenty recorded ops spends more time in autograd bookkeeping than in arithmetic.
/// </summary>
/// <remarks>
/// Arguments of <c>apply</c>: a <see cref="Func{TResult}"/> returning (scalar loss, gradients in input order), then
/// the differentiable input tensors (so that autograd links the node to them).
/// </remarks>
internal sealed class FusedLossFunction : autograd.SingleTensorFunction<FusedLossFunction>
{
    /// <inheritdoc />
    public override string Name => "FusedLoss";

    /// <summary>Applies <paramref name="compute"/> as one node whose inputs are <paramref name="inputs"/>.</summary>
    public static Tensor Apply(Func<(Tensor Loss, Tensor[] Gradients)> compute, params Tensor[] inputs) =>
        apply([compute, .. inputs]);

    /// <inheritdoc />
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var compute = (Func<(Tensor Loss, Tensor[] Gradients)>)vars[0];
        var (loss, gradients) = compute();
        ctx.save_for_backward([.. gradients]);
        return loss;
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var saved = ctx.get_saved_variables();
        // The loss normally ends the graph (upstream gradient exactly 1): then the saved gradients are the answer.
        // Reading the value is free on the CPU; on a GPU it would wait for the device, so there the multiply runs.
        if (grad_output.device_type == DeviceType.CPU && grad_output.ToDouble() == 1.0)
        {
            return [null!, .. saved];
        }

        var scaled = new List<Tensor> { null! };
        foreach (var gradient in saved)
        {
            using (gradient)
            {
                scaled.Add(gradient * grad_output);
            }
        }

        return scaled;
    }
}
