using static TorchSharp.torch;

namespace LossLab.Losses;

/// <summary>The softmax focal loss (<c>focal</c>, Lin et al. 2017): the improved loss with beta = 1.</summary>
public sealed class FocalLoss : LossModule
{
    private readonly ImprovedLoss inner;

    /// <summary>Creates the loss.</summary>
    /// <param name="gamma">Focusing exponent, ≥ 0 (default 2).</param>
    /// <param name="alpha">Optional per-class weights (length C, each ≥ 0, at least one &gt; 0); null for 1.</param>
    /// <param name="reduction">Mean (default), sum or none.</param>
    public FocalLoss(double gamma = 2.0, double[]? alpha = null, Reduction reduction = Reduction.Mean)
        : base("focal")
    {
        inner = new ImprovedLoss("improved", 1.0, gamma, alpha, reduction);
        RegisterComponents();
    }

    /// <summary>Focusing exponent gamma.</summary>
    public double Gamma => inner.Gamma;

    /// <summary>How per-sample losses are combined.</summary>
    public Reduction Reduction => inner.Reduction;

    /// <inheritdoc />
    public override LossInput Input => LossInput.Logits;

    /// <summary>Serving scale 1: the focal loss is defined on softmax(z).</summary>
    public override double? ServingScale => 1.0;

    /// <summary>Computes the loss of (N, C) logits against (N) int64 labels.</summary>
    public override Tensor forward(Tensor input, Tensor labels) => inner.forward(input, labels);
}
