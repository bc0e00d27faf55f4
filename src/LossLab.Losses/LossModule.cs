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
}
