using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LossLab.Losses;

/// <summary>
/// Proxy-NCA (<c>proxynca</c>, SPEC §2): one learnable proxy per class; embeddings and proxies L2-normalised and
/// scaled by 3; mean_i [‖x_i − P_{y_i}‖² + logsumexp_{k≠y_i}(−‖x_i − P_k‖²)].
/// </summary>
public sealed class ProxyNcaLoss : LossModule
{
    private readonly Parameter proxies;

    /// <summary>Creates the loss; the proxies start as N(0, 1)/8 draws from torch's default generator.</summary>
    /// <param name="numClasses">Number of classes C ≥ 2.</param>
    /// <param name="embeddingDim">Embedding width D.</param>
    /// <param name="lrMultiplier">Proxy learning rate as a multiple of the model's, &gt; 0 (default 50).</param>
    /// <param name="reduction">Mean (default), sum or none.</param>
    public ProxyNcaLoss(int numClasses, int embeddingDim, double lrMultiplier = 50.0, Reduction reduction = Reduction.Mean)
        : base("proxynca")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingDim, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lrMultiplier);
        LrMultiplier = lrMultiplier;
        Reduction = reduction;
        using var initial = torch.randn(numClasses, embeddingDim);
        proxies = new Parameter(initial / 8);
        RegisterComponents();
    }

    /// <summary>Proxy learning rate relative to the model's.</summary>
    public double LrMultiplier { get; }

    /// <summary>How per-sample losses are combined.</summary>
    public Reduction Reduction { get; }

    /// <summary>(C, D) learnable proxies.</summary>
    public Parameter Proxies => proxies;

    /// <inheritdoc />
    public override LossInput Input => LossInput.Embedding;

    /// <summary>The proxies, trained at <see cref="LrMultiplier"/> × the model's learning rate.</summary>
    public override IReadOnlyList<LossParameterGroup> ParameterGroups => [new LossParameterGroup("proxies", [proxies], null, LrMultiplier)];

    /// <summary>Computes the loss of (N, D) embeddings against (N) int64 labels.</summary>
    public override Tensor forward(Tensor input, Tensor labels) => LossFunctions.ProxyNca(input, labels, proxies, Reduction);
}
