using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses;

/// <summary>
/// The paper's improved loss (<c>improved</c>, SPEC §1): −alpha[y]·(1 − p_t)^gamma·log p_t with p = softmax(beta·z),
/// computed by a fused autograd function with the analytic gradient.
/// </summary>
public sealed class ImprovedLoss : LossModule
{
    private readonly Tensor? alpha;

    /// <summary>Creates the loss.</summary>
    /// <param name="beta">Softmax scale, &gt; 0 (default 4, the paper's best on CIFAR-10).</param>
    /// <param name="gamma">Focusing exponent, ≥ 0 (default 5, the paper's best on CIFAR-10; 10 on Fashion-MNIST).</param>
    /// <param name="alpha">Optional per-class weights (length C, each ≥ 0, at least one &gt; 0); null for 1.</param>
    /// <param name="reduction">Mean (default), sum or none.</param>
    public ImprovedLoss(double beta = 4.0, double gamma = 5.0, double[]? alpha = null, Reduction reduction = Reduction.Mean)
        : this("improved", beta, gamma, alpha, reduction)
    {
    }

    /// <summary>Creates the loss under a module name (the focal loss reuses it with beta = 1).</summary>
    internal ImprovedLoss(string name, double beta, double gamma, double[]? alpha, Reduction reduction)
        : base(name)
    {
        if (!(beta > 0) || double.IsInfinity(beta))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be a finite number > 0");
        }

        if (!(gamma >= 0) || double.IsInfinity(gamma))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "gamma must be a finite number ≥ 0");
        }

        if (alpha is not null)
        {
            // All-zero weights would make the loss 0 for every sample: nothing would train.
            if (alpha.Length == 0 || alpha.Any(a => !(a >= 0) || double.IsInfinity(a)) || alpha.All(a => a == 0))
            {
                throw new ArgumentOutOfRangeException(nameof(alpha), "alpha must be non-empty, finite and ≥ 0, with at least one weight > 0");
            }

            this.alpha = torch.tensor(alpha, dtype: ScalarType.Float32);
            // A buffer moves with the module to the training device.
            register_buffer("alpha", this.alpha);
        }

        Beta = beta;
        Gamma = gamma;
        Reduction = reduction;
    }

    /// <summary>Softmax scale beta.</summary>
    public double Beta { get; }

    /// <summary>Focusing exponent gamma.</summary>
    public double Gamma { get; }

    /// <summary>How per-sample losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <inheritdoc />
    public override LossInput Input => LossInput.Logits;

    /// <summary>Serving scale beta: the loss is defined on softmax(beta·z), the probabilities the model serves.</summary>
    public override double? ServingScale => Beta;

    /// <summary>Computes the loss of (N, C) logits against (N) int64 labels.</summary>
    public override Tensor forward(Tensor input, Tensor labels)
    {
        var classWeights = alpha is null ? null : get_buffer("alpha");
        return LossFunctions.Improved(input, labels, Beta, Gamma, classWeights, Reduction);
    }
}
