using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses;

/// <summary>
/// Triplet loss (<c>triplet</c>, SPEC §2): relu(‖a − p‖² − ‖a − n‖² + margin) on L2-normalised embeddings, one
/// triplet per anchor, mined semi-hard (default) or batch-hard.
/// </summary>
public sealed class TripletLoss : LossModule
{
    private readonly Generator? generator;

    /// <summary>Creates the loss.</summary>
    /// <param name="margin">Margin m ≥ 0 (default 0.2).</param>
    /// <param name="mining">Semi-hard (default) or batch-hard.</param>
    /// <param name="seed">Seed of the loss's own generator for the random draws, or null to draw from torch's default generator.</param>
    /// <param name="reduction">Mean over triplets (default), sum or none.</param>
    public TripletLoss(double margin = 0.2, TripletMining mining = TripletMining.SemiHard, long? seed = null, Reduction reduction = Reduction.Mean)
        : base("triplet")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(margin);
        if (!Enum.IsDefined(mining))
        {
            throw new ArgumentOutOfRangeException(nameof(mining), mining, "unknown triplet mining");
        }

        Margin = margin;
        Mining = mining;
        Reduction = reduction;
        generator = seed is { } s ? new Generator((ulong)s, torch.CPU) : null;
    }

    /// <summary>Margin m.</summary>
    public double Margin { get; }

    /// <summary>Triplet mining.</summary>
    public TripletMining Mining { get; }

    /// <summary>How per-triplet losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <inheritdoc />
    public override LossInput Input => LossInput.Embedding;

    /// <summary>Computes the loss of (N, D) embeddings against (N) int64 labels.</summary>
    public override Tensor forward(Tensor input, Tensor labels) =>
        LossFunctions.Triplet(input, labels, Margin, Mining, generator, Reduction);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            generator?.Dispose();
        }

        base.Dispose(disposing);
    }
}
