using static TorchSharp.torch;

namespace LossLab.Losses;

/// <summary>
/// Base of every LossLab loss: a module taking (input, labels) and returning the reduced loss.
/// Input is (N, C) logits or (N, D) embeddings, as <see cref="Input"/> says; labels are (N) int64.
/// </summary>
public abstract class LossModule : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>Creates the module.</summary>
    protected LossModule(string name)
        : base(name)
    {
    }

    /// <summary>What the loss consumes from the model.</summary>
    public abstract LossInput Input { get; }

    /// <summary>Whether batches must be drawn P classes × K samples (metric losses).</summary>
    public virtual bool NeedsPkBatches => Input == LossInput.Embedding;

    /// <summary>Learnable loss parameters with their own learning rates; empty for most losses.</summary>
    public virtual IReadOnlyList<LossParameterGroup> ParameterGroups => Array.Empty<LossParameterGroup>();

    /// <summary>
    /// The scale s of the probabilities a model trained with this loss serves: softmax(s·z) of its (N, C) logits z.
    /// 1 for cross-entropy, focal and logit-adjusted cross-entropy (whose adjustment belongs to training only), beta
    /// for the improved loss; null for losses that give no class probabilities (metric losses, whose predictions are
    /// the nearest class mean of the embeddings). Calibration metrics are computed on these probabilities.
    /// </summary>
    public virtual double? ServingScale => null;
}
