using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LossLab.Losses;

/// <summary>
/// Margin loss (<c>margin</c>, Wu et al. 2017, SPEC §2): relu(d_ap − β_y + α) + relu(β_y − d_an + α) on L2-normalised
/// embeddings with a learnable boundary β per class, a random positive and a distance-weighted negative per anchor,
/// averaged over the nonzero terms.
/// </summary>
public sealed class MarginLoss : LossModule
{
    private readonly Parameter beta;
    private readonly Generator? generator;

    /// <summary>Creates the loss.</summary>
    /// <param name="numClasses">Number of classes C (one β each).</param>
    /// <param name="alpha">Margin α ≥ 0 around the boundary (default 0.2).</param>
    /// <param name="initialBeta">Initial β₀ (default 1.2).</param>
    /// <param name="betaLearningRate">Absolute learning rate of β, &gt; 0 (default 5e-4).</param>
    /// <param name="distanceCutoff">Sample no negative at d ≥ 1.4 (default false).</param>
    /// <param name="seed">Seed of the loss's own generator, or null to draw from torch's default generator.</param>
    /// <param name="reduction">Mean over nonzero terms (default), sum or none.</param>
    public MarginLoss(
        int numClasses, double alpha = 0.2, double initialBeta = 1.2, double betaLearningRate = 5e-4,
        bool distanceCutoff = false, long? seed = null, Reduction reduction = Reduction.Mean)
        : base("margin")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(alpha);
        ArgumentOutOfRangeException.ThrowIfNegative(initialBeta);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(betaLearningRate);
        Alpha = alpha;
        InitialBeta = initialBeta;
        BetaLearningRate = betaLearningRate;
        DistanceCutoff = distanceCutoff;
        Reduction = reduction;
        beta = new Parameter(torch.full(numClasses, initialBeta, dtype: ScalarType.Float32));
        generator = seed is { } s ? new Generator((ulong)s, torch.CPU) : null;
        RegisterComponents();
    }

    /// <summary>Margin α.</summary>
    public double Alpha { get; }

    /// <summary>Initial boundary β₀.</summary>
    public double InitialBeta { get; }

    /// <summary>Absolute learning rate of the boundaries.</summary>
    public double BetaLearningRate { get; }

    /// <summary>Whether negatives at d ≥ 1.4 are never sampled.</summary>
    public bool DistanceCutoff { get; }

    /// <summary>How per-triplet losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <summary>(C) learnable per-class boundaries β.</summary>
    public Parameter Beta => beta;

    /// <inheritdoc />
    public override LossInput Input => LossInput.Embedding;

    /// <summary>The boundaries β, trained at <see cref="BetaLearningRate"/> whatever the model's learning rate.</summary>
    public override IReadOnlyList<LossParameterGroup> ParameterGroups => [new LossParameterGroup("margin-beta", [beta], BetaLearningRate)];

    /// <summary>Computes the loss of (N, D) embeddings against (N) int64 labels.</summary>
    public override Tensor forward(Tensor input, Tensor labels) =>
        LossFunctions.Margin(input, labels, beta, Alpha, DistanceCutoff, generator, Reduction);

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
