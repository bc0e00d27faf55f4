using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses;

/// <summary>
/// Logit-adjusted cross-entropy (<c>logit-adjusted</c>, Menon et al., ICLR 2021) for class-imbalanced training:
/// softmax cross-entropy on z + τ·log π, with π the training set's class frequencies. The adjustment belongs to the
/// training loss only: the model's logits z are left as they are, and predictions are their argmax. A class without
/// training images has π = 0 and gets no probability in the loss (τ &gt; 0).
/// </summary>
public sealed class LogitAdjustedLoss : LossModule
{
    private readonly Tensor adjustment;

    /// <summary>Creates the loss.</summary>
    /// <param name="classPrior">Class frequencies π (or counts; they are normalised), length C, each ≥ 0, with a positive sum.</param>
    /// <param name="tau">Scale τ ≥ 0 of the log prior (default 1; 0 is plain cross-entropy).</param>
    /// <param name="reduction">Mean (default), sum or none.</param>
    public LogitAdjustedLoss(IReadOnlyList<double> classPrior, double tau = 1.0, Reduction reduction = Reduction.Mean)
        : base("logit-adjusted")
    {
        ArgumentNullException.ThrowIfNull(classPrior);
        if (classPrior.Count == 0 || classPrior.Any(p => !(p >= 0) || double.IsInfinity(p)) || !(classPrior.Sum() > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(classPrior), "the class prior must be non-empty, finite and ≥ 0 with a positive sum");
        }

        Tau = OptionChecks.NonNegative(tau, nameof(tau));
        Reduction = reduction;
        var total = classPrior.Sum();
        ClassPrior = classPrior.Select(p => p / total).ToArray();

        // τ = 0 is cross-entropy exactly, even for a class with π = 0 (where τ·log π would be 0·∞).
        adjustment = torch.tensor(ClassPrior.Select(p => Tau == 0 ? 0.0 : Tau * Math.Log(p)).ToArray(), dtype: ScalarType.Float64);

        // A buffer moves with the module to the training device (held in float64; the logits' dtype is applied per call).
        register_buffer("adjustment", adjustment);
    }

    /// <summary>Scale τ of the log prior.</summary>
    public double Tau { get; }

    /// <summary>The class frequencies π.</summary>
    public IReadOnlyList<double> ClassPrior { get; }

    /// <summary>How per-sample losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <inheritdoc />
    public override LossInput Input => LossInput.Logits;

    /// <summary>Serving scale 1: at test time the plain logits z serve, without the τ·log π of training.</summary>
    public override double? ServingScale => 1.0;

    /// <summary>Computes the loss of (N, C) logits against (N) int64 labels: cross-entropy of the logits plus τ·log π.</summary>
    public override Tensor forward(Tensor input, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = NewDisposeScope();
        var shift = get_buffer("adjustment")!;
        if (input.dim() != 2 || input.shape[1] != shift.shape[0])
        {
            throw new ArgumentException($"input must be (N, {shift.shape[0]}), got ({string.Join(", ", input.shape)})", nameof(input));
        }

        return LossFunctions.CrossEntropy(input + shift.to(input.dtype), labels, 0.0, Reduction).MoveToOuterDisposeScope();
    }
}
