using LossLab.Evaluation;
namespace LossLab.Training;

/// <summary>Where a run stands: stored in every checkpoint so <c>--resume</c> continues exactly.</summary>
public sealed record TrainingState
{
    /// <summary>Epochs fully finished and evaluated.</summary>
    public int EpochsDone { get; init; }

    /// <summary>Batches of epoch <see cref="EpochsDone"/> + 1 already trained (non-zero only for a checkpoint taken mid-epoch on interruption).</summary>
    public int BatchesDone { get; init; }

    /// <summary>Sum of the losses of those batches, so the epoch's mean stays exact.</summary>
    public double LossSum { get; init; }

    /// <summary>Batches skipped so far in the current epoch.</summary>
    public int SkippedBatches { get; init; }

    /// <summary>Training seconds spent so far in the current epoch.</summary>
    public double TrainSeconds { get; init; }

    /// <summary>Metrics of every finished epoch.</summary>
    public IReadOnlyList<EpochMetrics> History { get; init; } = [];

    /// <summary>The run's token (<c>RunConfig.RunToken</c>), tying the checkpoint to the run that wrote it; null in older checkpoints.</summary>
    public string? RunToken { get; init; }
}
