namespace LossLab.Models;

/// <summary>Residual block of a <see cref="ResNet"/>.</summary>
public enum ResNetBlockType
{
    /// <summary><see cref="BasicBlock"/>: two 3×3 convolutions, expansion 1 (ResNet-18/34).</summary>
    Basic,

    /// <summary><see cref="Bottleneck"/>: 1×1, 3×3, 1×1 convolutions, expansion 4 (ResNet-50/101/152).</summary>
    Bottleneck,
}
