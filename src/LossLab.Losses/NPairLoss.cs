using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses;

/// <summary>
/// N-pair loss (<c>npair</c>, Sohn 2016, SPEC §2) on unnormalised embeddings: every sample with a same-class partner
/// is an anchor with one random positive, all other-class samples are negatives;
/// log(1 + Σ exp(a·n − a·p)) + λ·mean ‖x‖².
/// </summary>
public sealed class NPairLoss : LossModule
{
    private readonly Generator? generator;

    /// <summary>Creates the loss.</summary>
    /// <param name="l2Weight">λ ≥ 0 (default 0.005).</param>
    /// <param name="seed">Seed of the loss's own generator for the positive draws, or null to use torch's default generator.</param>
    /// <param name="reduction">Mean over anchors (default), sum or none.</param>
    public NPairLoss(double l2Weight = 0.005, long? seed = null, Reduction reduction = Reduction.Mean)
        : base("npair")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(l2Weight);
        L2Weight = l2Weight;
        Reduction = reduction;
        generator = seed is { } s ? new Generator((ulong)s, torch.CPU) : null;
    }

    /// <summary>Weight λ of the embedding-norm penalty.</summary>
    public double L2Weight { get; }

    /// <summary>How per-anchor losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <inheritdoc />
    public override LossInput Input => LossInput.Embedding;

    /// <summary>Computes the loss of (N, D) embeddings against (N) int64 labels.</summary>
    public override Tensor forward(Tensor input, Tensor labels) => LossFunctions.NPair(input, labels, L2Weight, generator, Reduction);

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
