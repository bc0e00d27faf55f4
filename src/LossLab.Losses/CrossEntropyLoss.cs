using static TorchSharp.torch;

namespace LossLab.Losses;

/// <summary>Softmax cross-entropy on a linear head's logits (<c>ce</c>, SPEC §2).</summary>
public sealed class CrossEntropyLoss : LossModule
{
    /// <summary>Creates the loss.</summary>
    /// <param name="labelSmoothing">Label smoothing in [0, 1) (default 0).</param>
    /// <param name="reduction">Mean (default), sum or none.</param>
    public CrossEntropyLoss(double labelSmoothing = 0.0, Reduction reduction = Reduction.Mean)
        : base("ce")
    {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "label smoothing must be in [0, 1)");
        }

        LabelSmoothing = labelSmoothing;
        Reduction = reduction;
    }

    /// <summary>Label smoothing.</summary>
    public double LabelSmoothing { get; }

    /// <summary>How per-sample losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <inheritdoc />
    public override LossInput Input => LossInput.Logits;

    /// <summary>Serving scale 1: softmax(z).</summary>
    public override double? ServingScale => 1.0;

    /// <summary>Computes the loss of (N, C) logits against (N) int64 labels.</summary>
    public override Tensor forward(Tensor input, Tensor labels) => LossFunctions.CrossEntropy(input, labels, LabelSmoothing, Reduction);
}
