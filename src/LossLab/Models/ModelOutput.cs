using static TorchSharp.torch;

namespace LossLab.Models;

/// <summary>What a <see cref="LabModel"/> returns for a batch.</summary>
/// <param name="Embedding">(N, D) embedding, not normalised.</param>
/// <param name="Logits">(N, C) classifier logits, or null when the model has no classifier.</param>
public sealed record ModelOutput(Tensor Embedding, Tensor? Logits);
