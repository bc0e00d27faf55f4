using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LossLab.Models;

/// <summary>
/// Backbone → linear embedding (dim 128 by default) → optional linear classifier (SPEC §4).
/// Softmax losses train the logits; metric losses train the embedding.
/// </summary>
public sealed class LabModel : nn.Module<Tensor, ModelOutput>
{
    private readonly Backbone backbone;
    private readonly Linear embedding;
    private readonly Linear? classifier;

    /// <summary>Creates the model.</summary>
    /// <param name="name">Architecture name, e.g. <c>resnet18</c>.</param>
    /// <param name="backbone">Feature extractor.</param>
    /// <param name="embeddingDim">Embedding width.</param>
    /// <param name="numClasses">Classes of the linear head, or 0 for no classifier.</param>
    public LabModel(string name, Backbone backbone, int embeddingDim, int numClasses)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingDim, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(numClasses);
        this.backbone = backbone;
        embedding = nn.Linear(backbone.FeatureDim, embeddingDim);
        classifier = numClasses > 0 ? nn.Linear(embeddingDim, numClasses) : null;
        EmbeddingDim = embeddingDim;
        NumClasses = numClasses;
        RegisterComponents();
    }

    /// <summary>Embedding width.</summary>
    public int EmbeddingDim { get; }

    /// <summary>Classes of the classifier head (0 when there is none).</summary>
    public int NumClasses { get; }

    /// <summary>Runs the model on (N, C, H, W) float images.</summary>
    public override ModelOutput forward(Tensor input)
    {
        // call() rather than forward() so that forward hooks (e.g. ModelFlops) see every layer.
        using var features = backbone.call(input);
        var emb = embedding.call(features);
        return new ModelOutput(emb, classifier?.call(emb));
    }

    /// <summary>The outputs of an evaluation (eval mode, no autograd), through the backbone's inference path.</summary>
    internal ModelOutput Infer(Tensor input)
    {
        using var features = backbone.Infer(input);
        var emb = embedding.call(features);
        return new ModelOutput(emb, classifier?.call(emb));
    }

    /// <summary>Number of trainable parameters.</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());
}
