using static TorchSharp.torch;

namespace LossLab.Losses.Mining;

/// <summary>
/// Mined triplets as batch indices: triplet k is (Anchors[k], Positives[k], Negatives[k]).
/// Anchors without a usable positive or negative are left out, so M ≤ N.
/// </summary>
/// <param name="Anchors">(M) int64 anchor rows.</param>
/// <param name="Positives">(M) int64 rows of the same class as the anchor.</param>
/// <param name="Negatives">(M) int64 rows of another class.</param>
public sealed record TripletIndices(Tensor Anchors, Tensor Positives, Tensor Negatives) : IDisposable
{
    /// <summary>Number of triplets M.</summary>
    public long Count => Anchors.shape[0];

    /// <summary>Moves the three index tensors to the enclosing dispose scope.</summary>
    public TripletIndices MoveToOuterDisposeScope()
    {
        Anchors.MoveToOuterDisposeScope();
        Positives.MoveToOuterDisposeScope();
        Negatives.MoveToOuterDisposeScope();
        return this;
    }

    /// <summary>Disposes the three index tensors.</summary>
    public void Dispose()
    {
        Anchors.Dispose();
        Positives.Dispose();
        Negatives.Dispose();
    }
}
