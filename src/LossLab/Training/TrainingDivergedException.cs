namespace LossLab.Training;

/// <summary>The loss or a gradient became NaN or Inf; the run stopped without checkpointing the bad weights.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the error.</summary>
    public TrainingDivergedException(int epoch, int batch, string what)
        : base($"training diverged at epoch {epoch}, batch {batch}: {what}. The last good checkpoint is kept; lower --lr, or use --on-nan skip-batch to skip such batches.")
    {
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>1-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>1-based batch.</summary>
    public int Batch { get; }
}
