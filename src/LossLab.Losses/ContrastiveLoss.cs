using static TorchSharp.torch;

namespace LossLab.Losses;

/// <summary>
/// Contrastive loss (<c>contrastive</c>, Hadsell et al. 2006, SPEC §2) over all pairs of L2-normalised embeddings in
/// the batch: y·d² + (1 − y)·relu(margin − d)², averaged over pairs.
/// </summary>
public sealed class ContrastiveLoss : LossModule
{
    /// <summary>Creates the loss.</summary>
    /// <param name="margin">Margin m ≥ 0 for negative pairs (default 1.0).</param>
    /// <param name="reduction">Mean over pairs (default), sum or none.</param>
    public ContrastiveLoss(double margin = 1.0, Reduction reduction = Reduction.Mean)
        : base("contrastive")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(margin);
        Margin = margin;
        Reduction = reduction;
    }

    /// <summary>Margin m.</summary>
    public double Margin { get; }

    /// <summary>How per-pair losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <inheritdoc />
    public override LossInput Input => LossInput.Embedding;

    /// <summary>Computes the loss of (N, D) embeddings against (N) int64 labels.</summary>
    public override Tensor forward(Tensor input, Tensor labels) => LossFunctions.Contrastive(input, labels, Margin, Reduction);
}
