namespace LossLab.Losses;

/// <summary>What a loss consumes from the model.</summary>
public enum LossInput
{
    /// <summary>(N, C) classifier logits; softmax losses.</summary>
    Logits,

    /// <summary>(N, D) embeddings, unnormalised (the loss normalises them itself where its definition says so); metric losses.</summary>
    Embedding,
}
