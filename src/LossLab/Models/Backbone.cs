using static TorchSharp.torch;

namespace LossLab.Models;

/// <summary>A feature extractor: (N, C, H, W) float images to (N, <see cref="FeatureDim"/>) features.</summary>
public abstract class Backbone : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the module.</summary>
    protected Backbone(string name)
        : base(name)
    {
    }

    /// <summary>Width of the feature vector the backbone returns.</summary>
    public abstract int FeatureDim { get; }

    /// <summary>The features of an evaluation: the same function as the forward pass, which a backbone may compute faster in eval mode without autograd.</summary>
    internal virtual Tensor Infer(Tensor input) => call(input);
}
